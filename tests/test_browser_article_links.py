"""An editor links an article to the Griffon by typing its name, in a real browser.

The app runs as in production (gunicorn, DEBUG off, strict CSP) on its own SQLite database loaded
with the CaMo dataset; the autocomplete is the admin's own select2. Screenshots of each step go to
test-artifacts/screenshots/.
"""

import re
import secrets
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    require_browser_tools,
    running_server,
    screenshot,
    server_environment,
)

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000
WIDTH = 1280
ARTICLE = "Europe de la défense : le réveil a sonné"
ARTICLE_SLUG = "europe-defense-reveil-a-sonne"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a free localhost port, and an Editor's credentials on its database."""
    require_browser_tools()
    workdir = tmp_path_factory.mktemp("camo-links")
    with running_server(workdir) as base_url:
        username, password = "editor-links", secrets.token_urlsafe(16)
        create_editor = (
            "from django.contrib.auth.models import Group, User\n"
            f"user = User.objects.create_user({username!r}, password={password!r}, is_staff=True)\n"
            "user.groups.add(Group.objects.get(name='Editor'))\n"
        )
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", create_editor],
            cwd=ROOT,
            env=server_environment(workdir / "camo.sqlite3"),
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield base_url, username, password


@pytest.fixture(scope="module")
def chromium(server):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_an_editor_links_an_article_to_the_griffon_by_typing_its_name(server, chromium):
    base_url, username, password = server
    context = chromium.new_context(
        viewport={"width": WIDTH, "height": 900}, base_url=base_url, locale="en-US"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"console error on {page.url}: {message.text}")
            # The admin has no icon link: the browser's own guess at /favicon.ico is no error.
            if message.type == "error" and "/favicon.ico" not in message.location.get("url", "")
            else None
        ),
    )
    try:
        page.goto("/admin/login/?next=/admin/partnership/article/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/admin/partnership/article/$"))

        page.get_by_role("link", name=ARTICLE, exact=True).click()
        expect(page).to_have_url(re.compile(r"/admin/partnership/article/\d+/change/$"))
        change_path = urlsplit(page.url).path
        links = page.locator("#links-group")
        expect(links).to_be_visible()
        # The form offers no record type select and no id box.
        expect(
            links.locator("select[name$='-content_type'], input[name$='-object_id']")
        ).to_have_count(0)

        links.get_by_role("button", name=re.compile(r"^Add another article link$", re.I)).click()
        row = links.locator("tr.form-row.dynamic-links").last
        row.locator(".select2-selection").click()
        search = page.locator(".select2-container--open .select2-search__field")
        search.fill("Griff")
        options = page.locator(".select2-results__option")
        griffon = options.filter(has_text=re.compile(r"^System: Griffon$"))
        expect(griffon).to_be_visible()
        expect(options.filter(has_text="System: Griffon MEPAC")).to_be_visible()
        screenshot(page, WIDTH, "admin-article-link-search")
        griffon.click()
        expect(row.locator(".select2-selection__rendered")).to_have_text(
            re.compile(r"System: Griffon$")
        )
        screenshot(page, WIDTH, "admin-article-link-chosen")

        page.get_by_role("button", name="Save and continue editing").click()
        expect(page.locator(".messagelist .success")).to_be_visible()
        expect(page).to_have_url(re.compile(re.escape(change_path) + "$"))
        # Stored: after the save the page comes back from the database with the Griffon, named.
        saved = page.locator("#links-group tr.form-row.has_original")
        expect(saved).to_have_count(1)
        expect(saved.locator(".select2-selection__rendered")).to_have_text(
            re.compile(r"System: Griffon$")
        )
        expect(saved.locator("td.original a")).to_have_text("System: Griffon")
        expect(saved.locator("select[name$='-record'] option[selected]")).to_have_text(
            "System: Griffon"
        )
        screenshot(page, WIDTH, "admin-article-link-saved")

        # Shown to readers: the article says what it is about, with a link to the Griffon.
        page.goto(f"/en/news/{ARTICLE_SLUG}/")
        about = page.locator("section[aria-labelledby=about-heading]")
        expect(about.get_by_role("link", name=re.compile(r"^Griffon"))).to_have_attribute(
            "href", "/en/systems/griffon/"
        )
        screenshot(page, WIDTH, "article-about-griffon")
        assert not errors, "console errors or CSP violations:\n" + "\n".join(errors)
    finally:
        context.close()
