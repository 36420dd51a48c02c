"""Helpers for the browser tests: a production-mode server on its own SQLite, Chromium, axe-core.

Nothing here downloads anything: Chromium is Debian's (/usr/bin/chromium), axe-core comes from npm
(`npm ci`, see package.json).
"""

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


@contextlib.contextmanager
def chromium_browser():
    """Debian's Chromium driven by Playwright. Use it in module-scoped fixtures: Playwright's
    event loop must be gone before the rest of the suite touches the ORM."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def require_browser_tools():
    """Skip when Chromium or axe-core is missing; on CI (CI=true), which installs them, fail."""
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if not AXE.is_file():
        missing.append(f"{AXE.relative_to(ROOT)} (npm ci)")
    if not missing:
        return
    reason = "browser tests need " + " and ".join(missing)
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must install them (.ci/run)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(database: Path) -> dict[str, str]:
    """The developer's environment without its database, cache or Django settings, in production mode."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    return inherited | {
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "camo_site.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "PYTHONUNBUFFERED": "1",
    }


def prepare(env: dict[str, str]):
    """Migrate, load the CaMo dataset and collect the static files, as a deployment does."""
    for command in (
        ["migrate", "--noinput", "-v", "0"],
        ["load_dataset"],
        ["collectstatic", "--noinput", "-v", "0"],
    ):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            pytest.fail(
                f"manage.py {' '.join(command)} failed:\n{result.stdout}\n{result.stderr}",
                pytrace=False,
            )


def gunicorn_command(port: int) -> list[str]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    program = [str(gunicorn)] if gunicorn.is_file() else [sys.executable, "-m", "gunicorn"]
    return [
        *program,
        "camo_site.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--timeout",
        "60",
    ]


@contextlib.contextmanager
def running_server(workdir: Path):
    """Yield the base URL of gunicorn serving the app from its own SQLite database in `workdir`."""
    env = server_environment(workdir / "camo.sqlite3")
    prepare(env)
    port = free_port()
    log_path = workdir / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            gunicorn_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(process, base_url, log_path)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_serving(process: subprocess.Popen, base_url: str, log_path: Path, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{base_url}/fr/", timeout=2) as response:
                # Make sure it is our gunicorn answering, not something else on a reused port.
                if response.status == 200 and response.headers.get("Server") == "gunicorn":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(
        f"gunicorn did not serve {base_url}/fr/ (exit code {process.poll()}):\n"
        + log_path.read_text()[-3000:],
        pytrace=False,
    )


def screenshot(page, width: int, name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{width}-{name}.png", full_page=True)


def assert_no_horizontal_scroll(page):
    """The page fits the viewport's width; on failure, name the elements that stick out."""
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    if scroll_width <= inner_width + 1:
        return
    culprits = page.evaluate(
        """() => {
          const limit = window.innerWidth + 1;
          const out = [];
          for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.right > limit && r.width > 0) {
              out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`
                + `${el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/\\s+/g, '.') : ''}`
                + ` (right edge ${Math.round(r.right)} px)`);
            }
          }
          return out.slice(0, 10);
        }"""
    )
    raise AssertionError(
        f"{page.url} scrolls horizontally: {scroll_width} px of content in a {inner_width} px "
        "viewport. Widest elements: " + "; ".join(culprits)
    )


def axe_violations(page) -> list[dict]:
    """Run axe-core's WCAG 2.1 A/AA rules; return the serious and critical violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return [v for v in result["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def describe_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} serious/critical accessibility violation(s) on {url}:"]
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:5]]
        more = len(violation["nodes"]) - len(targets)
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{len(violation['nodes'])} element(s)] e.g. {' | '.join(targets)}"
            + (f" and {more} more" if more > 0 else "")
        )
    return "\n".join(lines)
