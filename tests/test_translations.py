"""Interface strings: every one translated in French and Dutch, the catalogues up to date."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("fr", "nl", "en")

pytestmark = pytest.mark.skipif(
    shutil.which("msgattrib") is None, reason="GNU gettext is not installed"
)


def entries(po_text: str) -> list[str]:
    """The msgids of a msgattrib output, header excluded."""
    return [
        line for line in po_text.splitlines() if line.startswith("msgid ") and line != 'msgid ""'
    ]


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory):
    """The catalogues as makemessages writes them from the code as it is now."""
    copy = tmp_path_factory.mktemp("catalogues")
    for name in ("manage.py", "camo_site", "partnership", "accounts", "templates", "locale"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
            )
        else:
            shutil.copy(source, copy / name)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"
    }
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--no-obsolete",
            "-v",
            "0",
            *(f"-l{code}" for code in LANGUAGES),
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return copy


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_interface_string_is_left_untranslated(fresh_catalogues, code):
    po = fresh_catalogues / "locale" / code / "LC_MESSAGES" / "django.po"
    untranslated = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    missing = entries(untranslated.stdout) + entries(fuzzy.stdout)
    assert not missing, (
        f"{len(missing)} strings untranslated or fuzzy in {code}, e.g. {missing[:5]}"
    )


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_committed_catalogue_is_up_to_date(fresh_catalogues, code):
    """A string added to the code without running makemessages fails here."""

    def msgids(path):
        return set(entries(path.read_text(encoding="utf-8")))

    committed = msgids(ROOT / "locale" / code / "LC_MESSAGES" / "django.po")
    current = msgids(fresh_catalogues / "locale" / code / "LC_MESSAGES" / "django.po")
    assert current <= committed, (
        f"not in the committed catalogue: {sorted(current - committed)[:5]}"
    )
