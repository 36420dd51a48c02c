"""Load test: gunicorn in production mode on a copy of the CaMo dataset, under a mix of URLs.

    .venv/bin/python scripts/loadtest.py [--duration 60] [--connections 64] [--workers 4]

The dataset is loaded into a temporary SQLite database (removed afterwards); gunicorn serves it
with DEBUG off, a random secret key and ALLOWED_HOSTS=127.0.0.1. The API's rate limits are
raised for the run: every request comes from one address, and a 429 would measure the limiter,
not the site. The client is plain asyncio (HTTP/1.1, keep-alive when the server allows it), so
nothing needs installing. Each connection cycles through a seeded, weighted mix: home pages,
lists, record pages, API lists and records, CSV exports and the sitemap.

Reports requests, requests per second, p50/p99 latency, answers by status class and errors.
Exits 1 on any 5xx or connection error (a 4xx is reported but does not fail the run).
"""

import argparse
import asyncio
import json
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import free_port, prepare, server_environment  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
SEED = 60
# Share of requests per kind of URL.
MIX = {
    "home": 10,
    "list": 20,
    "detail": 25,
    "api list": 15,
    "api detail": 15,
    "csv": 10,
    "sitemap": 5,
}
LISTS = ["systems", "activities", "organizations", "people", "countries", "news", "timeline",
         "sources", "partnerships", "methodology"]  # fmt: skip
API = ["partnerships", "agreements", "systems", "orders", "activities", "organizations", "people",
       "articles", "events", "sources", "countries"]  # fmt: skip


def environment(database: Path) -> dict[str, str]:
    """The browser tests' production-mode server environment, with rate limits out of the way
    (every request of a load test comes from one address)."""
    return server_environment(database) | {
        "DJANGO_API_ANON_RATE": "100000000/minute",
        "DJANGO_API_USER_RATE": "100000000/minute",
    }


def wait_until_serving(process, base, log, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/fr/", timeout=2) as response:
                if response.status == 200 and response.headers.get("Server") == "gunicorn":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit(f"gunicorn did not start:\n{log.read_text()[-3000:]}")


def fetch_json(url):
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def url_mix(base, rng, size=400) -> list[str]:
    """A seeded, shuffled list of (kind, path) in the proportions of MIX."""
    with urllib.request.urlopen(f"{base}/sitemap.xml", timeout=30) as response:
        sitemap = response.read().decode()
    pages = [urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
    lists = {f"/{lang}/{name}/" for lang in ("fr", "nl", "en") for name in LISTS}
    details = [page for page in pages if page.count("/") > 3]
    api_details = []
    for name in API:
        results = fetch_json(f"{base}/api/v1/{name}/")["results"]
        api_details += [urlsplit(result["api_url"]).path for result in results[:10]]
    kinds = {
        "home": ["/fr/", "/nl/", "/en/"],
        "list": sorted(lists),
        "detail": details,
        "api list": [f"/api/v1/{name}/" for name in API],
        "api detail": api_details,
        "csv": [f"/api/v1/{name}/?format=csv" for name in API],
        "sitemap": ["/sitemap.xml"],
    }
    mix = [
        (kind, rng.choice(kinds[kind]))
        for kind, weight in MIX.items()
        for _ in range(size * weight // 100)
    ]
    rng.shuffle(mix)
    return mix


class Stats:
    def __init__(self):
        self.latencies = []
        self.by_kind = defaultdict(list)
        self.statuses = Counter()
        self.errors = Counter()
        self.failed = Counter()  # URL -> how many 5xx or errors


async def read_response(reader):
    """Status, whether the server keeps the connection, and the body's length."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ", 2)[:2]
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
        size = len(body)
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        size = 0
        while True:
            chunk = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(chunk + 2)
            size += chunk
            if chunk == 0:
                break
    else:
        size = len(await reader.read())
        keep = False
    return int(status), keep, size


async def connection(host, port, paths, offset, deadline, stats):
    reader = writer = None
    i = offset
    while time.monotonic() < deadline:
        kind, path = paths[i % len(paths)]
        i += 1
        started = time.monotonic()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: camo-loadtest\r\n"
                "Accept-Encoding: gzip\r\n\r\n".encode()
            )
            await writer.drain()
            status, keep, _size = await asyncio.wait_for(read_response(reader), timeout=60)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                ValueError) as error:  # fmt: skip
            stats.errors[type(error).__name__] += 1
            stats.failed[path] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        stats.latencies.append(time.monotonic() - started)
        stats.by_kind[kind].append(time.monotonic() - started)
        stats.statuses[status] += 1
        if status >= 500:
            stats.failed[path] += 1
        if not keep:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def load(port, paths, connections, duration, stats):
    deadline = time.monotonic() + duration
    step = max(1, len(paths) // connections)
    await asyncio.gather(
        *(
            connection("127.0.0.1", port, paths, n * step, deadline, stats)
            for n in range(connections)
        )
    )


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def report(stats, elapsed, args) -> bool:
    total = len(stats.latencies)
    by_class = Counter(f"{status // 100}xx" for status in stats.statuses.elements())
    server_errors = by_class.get("5xx", 0)
    errors = sum(stats.errors.values())
    other = sum(n for status, n in stats.statuses.items() if not 200 <= status < 400)
    print(f"Load test: {args.duration:g} s, {args.connections} connections, "
          f"gunicorn with {args.workers} workers (production settings, SQLite copy)")  # fmt: skip
    print(f"  requests         {total}")
    print(f"  requests/s       {total / elapsed:.1f}")
    print(f"  latency p50      {percentile(stats.latencies, 0.50) * 1000:.0f} ms")
    print(f"  latency p99      {percentile(stats.latencies, 0.99) * 1000:.0f} ms")
    print(f"  by status        {dict(sorted(stats.statuses.items()))}")
    print(f"  non-2xx/3xx      {other}")
    print(f"  5xx              {server_errors}")
    print(f"  errors           {errors} {dict(stats.errors) if errors else ''}")
    for kind, latencies in stats.by_kind.items():
        print(
            f"    {kind:12s} {len(latencies):6d} requests, p50 {percentile(latencies, 0.5) * 1000:.0f} ms,"
            f" p99 {percentile(latencies, 0.99) * 1000:.0f} ms"
        )
    for path, count in stats.failed.most_common(10):
        print(f"    failed {count:5d} x {path}")
    return server_errors == 0 and errors == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="camo-loadtest-"))
    env = environment(work / "camo.sqlite3")
    process = None
    try:
        prepare(env)
        port = free_port()
        log = work / "gunicorn.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [PYTHON.with_name("gunicorn"), "camo_site.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(args.workers), "--backlog", "2048", "--log-level", "warning"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(process, base, log)
        paths = url_mix(base, random.Random(SEED))
        stats = Stats()
        started = time.monotonic()
        asyncio.run(load(port, paths, args.connections, args.duration, stats))
        passed = report(stats, time.monotonic() - started, args)
        if not passed:
            print(f"gunicorn's log (last lines):\n{log.read_text()[-3000:]}")
        return 0 if passed else 1
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
