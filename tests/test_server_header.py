"""No `Server` header names a version, under gunicorn (production) or runserver (development)."""

import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .browser_support import free_port, server_environment

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def server_header(command, env, port, log: Path, timeout=60.0) -> list[str]:
    """The `Server` headers of /robots.txt (no database needed) from a server run by `command`."""
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=5) as r:
                    return r.headers.get_all("Server") or []
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        pytest.fail(f"{command[0]} did not answer:\n{log.read_text()[-2000:]}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def development_environment(tmp_path):
    return server_environment(tmp_path / "empty.sqlite3") | {"DJANGO_DEBUG": "1"}


def test_gunicorn_names_itself_without_a_version(tmp_path):
    port = free_port()
    command = [str(GUNICORN), "camo_site.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    headers = server_header(command, development_environment(tmp_path), port, tmp_path / "log")
    assert headers == ["gunicorn"]


def test_runserver_names_itself_without_a_version(tmp_path):
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    headers = server_header(command, development_environment(tmp_path), port, tmp_path / "log")
    assert len(headers) == 1
    assert not re.search(r"\d", headers[0]), headers
