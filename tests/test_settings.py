"""Production settings: refuse to start when misconfigured, pass `check --deploy` cleanly, and
log a client's mistake on one line."""

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from camo_site.logs import ClientErrorsOnOneLine

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k7#Qp2!vX9@mL4$wR8^tZ1&nB6*cF3(hJ5)dG0-sA_eY+uI=oP[rT]yU{lK}jH",
    "DJANGO_ALLOWED_HOSTS": "camo.example.org",
}


def manage(*args, **env):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"
    } | env
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_passes_check_deploy_with_no_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = PRODUCTION | {"DJANGO_SECRET_KEY": ""}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    env = PRODUCTION | {"DJANGO_ALLOWED_HOSTS": ""}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_a_malformed_boolean_is_refused_not_guessed():
    result = manage("check", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


def test_development_defaults_use_sqlite_under_var():
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['NAME'])",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(ROOT / "var" / "camo.sqlite3")


def test_database_url_selects_postgresql():
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE'], d['NAME'])",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/camo",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "camo"]


@pytest.mark.django_db
def test_a_client_error_is_logged_on_one_line_and_a_server_error_with_its_traceback(client):
    """A fuzzing run once wrote 3,073 tracebacks for 4xx answers: a log-flooding risk."""
    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, ClientErrorsOnOneLine) for f in h.filters)
    ]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        assert client.get("/en/systems/no-such-system/").status_code == 404
        logging.getLogger("django.request").error(
            "Internal Server Error: /x/", exc_info=ValueError("boom"), extra={"status_code": 500}
        )
    finally:
        handler.setStream(previous)
    lines = stream.getvalue().splitlines()
    assert "Not Found: /en/systems/no-such-system/" in lines
    not_found = lines.index("Not Found: /en/systems/no-such-system/")
    assert lines[not_found + 1] == "Internal Server Error: /x/"
    assert any("ValueError: boom" in line for line in lines[not_found + 1 :])


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/en/", "/api/v1/systems/", "/admin/login/", "/sitemap.xml"])
def test_every_answer_denies_the_powerful_browser_features(client, url):
    """Pages, API, admin: no camera, microphone, location or payment for anything they hold."""
    policy = client.get(url)["Permissions-Policy"]
    features = dict(item.split("=") for item in policy.split(", "))
    assert {"camera", "microphone", "geolocation", "payment"} <= set(features)
    assert set(features.values()) == {"()"}
