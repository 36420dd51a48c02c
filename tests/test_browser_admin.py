"""The curation admin in a real browser: lockouts and unlocking, the 403 page, breadcrumbs in their
bar, and the citations inline at desktop widths.

Same set-up as tests/test_browser.py (gunicorn in production mode on its own SQLite database,
Debian's Chromium, axe-core), plus staff accounts in each role. Screenshots go to
test-artifacts/screenshots/.
"""

import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser_support import (
    ROOT,
    axe_violations,
    chromium_browser,
    describe_violations,
    require_browser_tools,
    running_server,
    screenshot,
    server_environment,
)

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000
PASSWORD = "browser-test-password-7"
ADMIN_HEADER = "Knowledge base — curation"
DELETED_ORDER = "Order deleted for the browser tests"

STAFF = """
import reversion
from django.contrib.auth.models import Group, User
from partnership.models import Order

for name, role in [
    ("administrator", "Administrator"),
    ("editor", "Editor"),
    ("contributor", "Contributor"),
    ("curator", "Contributor"),
    ("reader-of-axe", "Contributor"),
]:
    user = User.objects.create_user(name, password={password!r}, is_staff=True)
    user.groups.add(Group.objects.get(name=role))

# A deleted order, for the "Recover deleted orders" pages.
order = Order.objects.order_by("-pk").first()
with reversion.create_revision():
    reversion.set_comment({deleted!r})
    order.save()
order.delete()
"""


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    """The app in production mode, with one staff account per role and one deleted order."""
    require_browser_tools()
    workdir = tmp_path_factory.mktemp("camo-admin-browser")
    with running_server(workdir) as base_url:
        result = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-v",
                "0",
                "-c",
                STAFF.format(password=PASSWORD, deleted=DELETED_ORDER),
            ],
            cwd=ROOT,
            env=server_environment(workdir / "camo.sqlite3"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        yield base_url


@pytest.fixture(scope="module")
def chromium(admin_server):
    with chromium_browser() as browser:
        yield browser


class Tab:
    """A browser tab at one width, in English, recording console errors (CSP violations too)."""

    def __init__(self, browser, base_url, width=1280, bypass_csp=False):
        self.width = width
        self.context = browser.new_context(
            viewport={"width": width, "height": 900},
            base_url=base_url,
            locale="en-GB",
            bypass_csp=bypass_csp,
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors = []
        self.expected_statuses = set()
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _on_console(self, message):
        if message.type != "error" or urlsplit(message.location.get("url", "")).path == (
            "/favicon.ico"
        ):
            return
        if any(f"status of {status}" in message.text for status in self.expected_statuses):
            return  # Chromium logs the status of a page the test asked for on purpose
        self.errors.append(f"console error on {self.page.url}: {message.text}")

    def goto(self, path, status=200):
        response = self.page.goto(path)
        assert response is not None and response.status == status, (
            f"{path} answered {response and response.status}, expected {status}"
        )
        return response

    def sign_in(self, username, password=PASSWORD, next_path="/admin/"):
        self.goto(f"/admin/login/?next={next_path}")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        with self.page.expect_navigation() as navigation:
            self.page.get_by_role("button", name="Log in").click()
        return navigation.value

    def seen(self, name):
        screenshot(self.page, self.width, f"admin-{name}")

    def assert_accessible(self):
        violations = axe_violations(self.page)
        assert not violations, describe_violations(self.page.url, violations)

    def assert_console_clean(self):
        assert not self.errors, "console errors or CSP violations:\n" + "\n".join(self.errors)

    def close(self):
        self.context.close()


@pytest.fixture
def tab(chromium, admin_server):
    tabs = []

    def open_tab(width=1280, bypass_csp=False):
        tabs.append(Tab(chromium, admin_server, width, bypass_csp))
        return tabs[-1]

    yield open_tab
    for each in tabs:
        each.close()


def in_admin_look(page):
    """The admin's header and stylesheet, as on every admin page."""
    expect(page.locator("#header #site-name")).to_have_text(ADMIN_HEADER)
    assert page.evaluate(
        "() => [...document.styleSheets].some(s => (s.href || '').includes('admin/css/base'))"
    )


def test_an_administrator_unlocks_a_locked_account(tab):
    curator = tab()
    curator.expected_statuses = {429}
    page = curator.page
    for _attempt in (1, 2):
        curator.sign_in("curator", "wrong")
        expect(page.locator(".errornote")).to_contain_text("correct username and password")
        expect(page.locator("#lockout-warning")).to_have_count(0)
    curator.sign_in("curator", "wrong")
    expect(page.locator("#lockout-warning")).to_have_text(
        "2 attempts left before this account is locked for an hour."
    )
    curator.seen("sign-in-warning")
    curator.sign_in("curator", "wrong")
    expect(page.locator("#lockout-warning")).to_have_text(
        "1 attempt left before this account is locked for an hour."
    )

    response = curator.sign_in("curator", "wrong")
    assert response.status == 429
    in_admin_look(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many failed sign-in attempts")
    expect(page.locator("#content")).to_contain_text("It unlocks by itself on")
    expect(page.locator("#content")).to_contain_text("an Administrator can unlock it")
    curator.seen("locked-out")
    page.get_by_role("link", name="Back to the sign-in page").click()
    expect(page).to_have_url(re.compile(r"/admin/login/"))

    administrator = tab()
    administrator.sign_in("administrator")
    admin_page = administrator.page
    admin_page.get_by_role("link", name="Locked accounts").click()
    row = admin_page.locator("#locked-accounts tbody tr", has_text="curator")
    expect(row).to_contain_text("127.0.0.1")
    expect(row.locator("td").nth(1)).to_have_text("5")
    in_admin_look(admin_page)
    administrator.seen("locked-accounts")
    row.get_by_role("button", name="Unlock curator").click()
    expect(admin_page.locator(".messagelist")).to_contain_text(
        "Unlocked “curator” from 127.0.0.1: they can sign in again."
    )
    expect(admin_page.locator("#locked-accounts")).to_have_count(0)
    administrator.seen("unlocked")

    assert curator.sign_in("curator").status == 200
    expect(page).to_have_url(re.compile(r"/admin/$"))
    for each in (curator, administrator):
        each.assert_console_clean()


def test_editors_do_not_get_the_locked_accounts_page(tab):
    editor = tab()
    editor.expected_statuses = {403}
    editor.sign_in("editor")
    expect(editor.page.get_by_role("link", name="Locked accounts")).to_have_count(0)
    editor.goto("/admin/locked-accounts/", status=403)
    expect(editor.page.locator("#permission-denied")).to_have_text(
        "Only Administrators can see and unlock locked accounts."
    )


def test_a_contributor_is_told_why_they_cannot_delete(tab):
    contributor = tab()
    contributor.expected_statuses = {403}
    contributor.sign_in("contributor", next_path="/admin/partnership/order/")
    page = contributor.page
    page.locator("#result_list tbody tr").first.locator("a").first.click()
    change_url = page.url
    contributor.goto(urlsplit(change_url).path.replace("/change/", "/delete/"), status=403)
    in_admin_look(page)
    expect(page.locator("#permission-denied")).to_have_text(
        "Only Editors and Administrators can delete records."
    )
    contributor.seen("403-delete")
    page.get_by_role("link", name="Back to the record").click()
    expect(page).to_have_url(change_url)
    contributor.assert_console_clean()


def test_the_new_pages_pass_axe(tab):
    # bypass_csp only here, so that axe can be injected; the journeys above run under the CSP.
    locked = tab(bypass_csp=True)
    for _attempt in range(5):
        response = locked.sign_in("reader-of-axe", "wrong")
    assert response.status == 429
    locked.assert_accessible()

    administrator = tab(bypass_csp=True)
    administrator.sign_in("administrator", next_path="/admin/locked-accounts/")
    expect(administrator.page.locator("#locked-accounts")).to_contain_text("reader-of-axe")
    administrator.assert_accessible()
    administrator.page.get_by_role("button", name="Unlock reader-of-axe").click()
    expect(administrator.page.locator(".messagelist")).to_be_visible()
    administrator.assert_accessible()

    contributor = tab(bypass_csp=True)
    contributor.sign_in("contributor", next_path="/admin/partnership/order/")
    path = contributor.page.locator("#result_list tbody tr a").first.get_attribute("href")
    contributor.goto(path.replace("/change/", "/delete/"), status=403)
    contributor.assert_accessible()


def breadcrumb_pages(page) -> dict[str, str]:
    """The pages whose breadcrumbs came from templates older than Django 6's admin."""
    page.goto("/admin/partnership/order/?q=be-griffon-camo-1")
    page.locator("#result_list tbody tr").first.locator("a").first.click()
    change = urlsplit(page.url).path
    page.goto(f"{change.removesuffix('change/')}history/")
    revision = urlsplit(page.locator("#change-history tbody a").first.get_attribute("href")).path
    page.goto("/admin/partnership/order/recover/")
    recover = page.locator("#change-history tbody a").first.get_attribute("href")
    return {
        "history": f"{change.removesuffix('change/')}history/",
        "revision": revision,
        "recover-list": "/admin/partnership/order/recover/",
        "recover-form": recover,
        "import": "/admin/partnership/order/import/",
        "export": "/admin/partnership/order/export/",
    }


BAR = """() => {
  const box = el => { const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height}; };
  const bar = document.querySelector('nav ol.breadcrumbs');
  if (!bar) return null;
  return {
    header: box(document.querySelector('#header')),
    bar: box(bar),
    background: getComputedStyle(bar).backgroundColor,
    items: [...bar.querySelectorAll('li')].map(li => ({text: li.innerText, ...box(li)})),
    loose: document.querySelectorAll('div.breadcrumbs').length,
  };
}"""


def test_breadcrumbs_sit_in_their_bar(tab):
    administrator = tab()
    administrator.sign_in("administrator", next_path="/admin/partnership/order/")
    page = administrator.page
    reference = page.evaluate(BAR)  # the order list: Django's own breadcrumbs
    assert reference is not None
    for name, path in breadcrumb_pages(page).items():
        administrator.goto(path)
        bar = page.evaluate(BAR)
        administrator.seen(f"breadcrumbs-{name}")
        assert bar is not None, f"{name}: no breadcrumbs bar"
        assert bar["loose"] == 0, f"{name}: breadcrumbs outside the bar"
        assert bar["background"] == reference["background"], f"{name}: the bar has no colour"
        assert abs(bar["bar"]["top"] - bar["header"]["bottom"]) <= 1, (
            f"{name}: not under the header"
        )
        assert abs(bar["bar"]["height"] - reference["bar"]["height"]) <= 1, (
            f"{name}: the bar is {bar['bar']['height']} px high, "
            f"{reference['bar']['height']} px elsewhere"
        )
        assert len(bar["items"]) >= 4 and bar["items"][0]["text"].startswith("Home"), name
        for item in bar["items"]:
            inside = (
                bar["bar"]["top"] <= item["top"]
                and item["bottom"] <= bar["bar"]["bottom"]
                and bar["bar"]["left"] <= item["left"]
                and item["right"] <= bar["bar"]["right"]
            )
            assert inside, f"{name}: “{item['text']}” lies outside the breadcrumbs bar"
    administrator.assert_console_clean()


INLINE_FITS = """() => {
  const doc = document.documentElement;
  const box = document.querySelector('fieldset.citations .wrapper');
  const excerpt = document.querySelector('fieldset.citations td.field-excerpt textarea');
  return {
    page: [doc.scrollWidth, doc.clientWidth],
    inline: box ? [box.scrollWidth, box.clientWidth] : null,
    excerptRight: excerpt ? excerpt.getBoundingClientRect().right : null,
  };
}"""


@pytest.mark.parametrize("width", [1400, 1280])
def test_the_citations_inline_fits_the_order_page(tab, width):
    editor = tab(width)
    editor.sign_in("editor", next_path="/admin/partnership/order/?q=be-griffon-camo-1")
    page = editor.page
    page.locator("#result_list tbody tr").first.locator("a").first.click()
    inline = page.locator("fieldset.citations")
    expect(inline.get_by_role("heading", name="Sources cited")).to_be_visible()
    inline.scroll_into_view_if_needed()
    editor.seen("order-citations")
    fits = page.evaluate(INLINE_FITS)
    scroll_width, client_width = fits["page"]
    assert scroll_width <= client_width, (
        f"the order page scrolls sideways at {width} px: {scroll_width} > {client_width}"
    )
    assert fits["inline"] is not None, "no citations inline on the order page"
    inner, outer = fits["inline"]
    assert inner <= outer + 1, (
        f"the sources cited table is {inner} px wide in a {outer} px box at {width} px"
    )
    assert fits["excerptRight"] <= client_width
    editor.assert_console_clean()


def open_record(tab_, model, name):
    """The change page of the record called `name`, through the list's search."""
    tab_.goto(f"/admin/partnership/{model}/?q={name}")
    tab_.page.get_by_role("link", name=name, exact=True).first.click()
    expect(tab_.page.locator("#content h1, #content h2").first).to_be_visible()


def test_a_proposed_change_is_compared_then_published(tab):
    contributor = tab()
    contributor.sign_in("contributor")
    open_record(contributor, "system", "Jaguar")
    page = contributor.page
    expect(page.locator(".review-banner")).to_contain_text("Readers see this record")
    old_role = page.locator("#id_role").input_value()
    page.locator("#id_role").fill("Rôle proposé pour la revue")
    contributor.seen("review-proposing")
    page.get_by_role("button", name="Propose this change for review").click()
    expect(page.locator(".messagelist")).to_contain_text("awaits review by an Editor")
    expect(page.locator(".proposal-review")).to_contain_text("Rôle proposé pour la revue")
    contributor.seen("review-proposed")
    reader = tab()
    reader.goto("/fr/systems/jaguar/")
    expect(reader.page.locator("main")).not_to_contain_text("Rôle proposé pour la revue")

    editor = tab()
    editor.sign_in("editor")
    desk = editor.page.locator("#curation-panel")
    expect(desk).to_contain_text("Proposed changes to review (1)")
    desk.get_by_role("link", name="Jaguar").first.click()
    review = editor.page.locator(".proposal-review")
    expect(review.locator("ins")).to_contain_text(["Rôle proposé pour la revue"])
    expect(review.locator("del").first).to_contain_text(old_role[:20])
    editor.seen("review-compare")
    editor.page.locator(".proposal-preview-link").get_by_role("link", name="French").click()
    expect(editor.page.locator("main")).to_contain_text("Rôle proposé pour la revue")
    expect(editor.page.locator(".banner-preview")).to_contain_text(
        "Aperçu d’une modification proposée"
    )
    editor.seen("review-preview")
    editor.page.locator(".banner-preview a").click()  # the page is in French
    editor.page.get_by_role("button", name="Publish this change").click()
    expect(editor.page.locator(".messagelist")).to_contain_text("is published")
    reader.goto("/fr/systems/jaguar/")
    expect(reader.page.locator("main")).to_contain_text("Rôle proposé pour la revue")
    for each in (contributor, editor, reader):
        each.assert_console_clean()


def test_a_proposed_change_is_sent_back_with_a_note(tab):
    contributor = tab()
    contributor.sign_in("contributor")
    open_record(contributor, "system", "Serval")
    page = contributor.page
    page.locator("#id_role").fill("Rôle à revoir")
    page.get_by_role("button", name="Propose this change for review").click()
    expect(page.locator(".messagelist")).to_contain_text("awaits review")

    editor = tab()
    editor.sign_in("editor")
    editor.page.locator("#curation-panel").get_by_role("link", name="Serval").first.click()
    editor.page.get_by_label("Send back, saying what should change:").fill(
        "Cite the ministry's page for this role."
    )
    editor.page.get_by_role("button", name="Send back").click()
    expect(editor.page.locator(".messagelist")).to_contain_text("sent back")

    contributor.goto("/admin/")
    mine = contributor.page.locator("#curation-panel")
    expect(mine).to_contain_text("Your proposed changes")
    expect(mine).to_contain_text("Cite the ministry's page for this role.")
    open_record(contributor, "system", "Serval")
    banner = contributor.page.locator(".review-banner")
    expect(banner).to_contain_text("Sent back by editor")
    expect(contributor.page.locator("#id_role")).to_have_value("Rôle à revoir")
    contributor.seen("review-sent-back")
    for each in (contributor, editor):
        each.assert_console_clean()


def test_the_review_pages_pass_axe(tab):
    contributor = tab()
    contributor.sign_in("contributor")
    open_record(contributor, "system", "Griffon")
    contributor.page.locator("#id_role").fill("Rôle proposé pour l'audit")
    contributor.page.get_by_role("button", name="Propose this change for review").click()
    expect(contributor.page.locator(".messagelist")).to_contain_text("awaits review")
    review_url = contributor.page.url
    editor = tab(bypass_csp=True)
    editor.sign_in("editor")
    for path in ("/admin/partnership/proposal/?state=all", review_url):
        editor.goto(path)
        editor.assert_accessible()


def test_an_editor_links_an_article_to_the_griffon_by_typing_its_name(tab):
    """The article-link picker: one autocomplete over the public record types."""
    article, slug = "Europe de la défense : le réveil a sonné", "europe-defense-reveil-a-sonne"
    editor = tab()
    editor.sign_in("editor", next_path="/admin/partnership/article/")
    page = editor.page
    page.get_by_role("link", name=article, exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/partnership/article/\d+/change/$"))
    change_path = urlsplit(page.url).path
    links = page.locator("#links-group")
    # No record type select listing every model, no id box.
    expect(links.locator("select[name$='-content_type'], input[name$='-object_id']")).to_have_count(
        0
    )
    links.get_by_role("button", name=re.compile(r"^Add another article link$", re.I)).click()
    row = links.locator("tr.form-row.dynamic-links").last
    row.locator(".select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Griff")
    options = page.locator(".select2-results__option")
    griffon = options.filter(has_text=re.compile(r"^System: Griffon$"))
    expect(griffon).to_be_visible()
    expect(options.filter(has_text="System: Griffon MEPAC")).to_be_visible()
    editor.seen("article-link-search")
    griffon.click()
    expect(row.locator(".select2-selection__rendered")).to_have_text(
        re.compile(r"System: Griffon$")
    )
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(change_path) + "$"))
    # Stored: the page comes back from the database with the Griffon, named.
    saved = page.locator("#links-group tr.form-row.has_original")
    expect(saved).to_have_count(1)
    expect(saved.locator("td.original a")).to_have_text("System: Griffon")
    expect(saved.locator("select[name$='-record'] option[selected]")).to_have_text(
        "System: Griffon"
    )
    editor.seen("article-link-saved")
    # Shown to readers: the article says what it is about, with a link to the Griffon.
    editor.goto(f"/en/news/{slug}/")
    about = page.locator("section[aria-labelledby=about-heading]")
    expect(about.get_by_role("link", name=re.compile(r"^Griffon"))).to_have_attribute(
        "href", "/en/systems/griffon/"
    )
    editor.assert_console_clean()


def pick(page, field_id, typed, choice):
    """Choose `choice` in the autocomplete box of the field `field_id`, after typing `typed`."""
    page.locator(f"#{field_id} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(typed)
    option = page.locator(".select2-results__option", has_text=choice).first
    expect(option).to_be_visible()
    option.click()


def publish_with_a_source(page, source_words="CaMo"):
    """Publish the record on the page, citing a published source of the dataset in its first
    citation row, and save it."""
    page.locator("#id_status").select_option("published")
    pick(
        page, "id_partnership-citation-content_type-object_id-0-source", source_words, source_words
    )
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()


def test_an_editor_records_a_new_partnership_entirely_in_the_admin(tab):
    """Issue 13: a second partnership of any kind, with a member, an agreement (a kind the
    vocabulary offers) and an activity, recorded without code, then found on its public page."""
    editor = tab()
    editor.sign_in("editor", next_path="/admin/partnership/partnership/add/")
    page = editor.page

    # The slug first: typed by hand, the admin no longer fills it from the acronym.
    page.locator("#id_slug").fill("navtest")
    page.locator("#id_acronym").fill("NAVTEST")
    page.locator("#id_name").fill("Coopération navale d'essai")
    page.locator("#id_name_en").fill("Test naval cooperation")
    page.locator("#memberships-group").get_by_role(
        "button", name=re.compile(r"^Add another membership", re.I)
    ).click()
    pick(page, "id_memberships-0-country", "Belg", "Belgium")
    page.locator("#id_memberships-0-role").select_option("lead_nation")
    publish_with_a_source(page)
    editor.seen("new-partnership")

    editor.goto("/admin/partnership/agreement/add/")
    pick(page, "id_partnership", "NAVTEST", "NAVTEST")
    page.locator("#id_slug").fill("navtest-mou")
    page.locator("#id_title").fill("Protocole d'accord d'essai")
    page.locator("#id_kind").select_option("memorandum_of_understanding")
    publish_with_a_source(page)

    editor.goto("/admin/partnership/activity/add/")
    page.locator("#id_slug").fill("navtest-exercise")
    page.locator("#id_name").fill("Exercice naval d'essai")
    page.locator("#id_kind").select_option("exercise")
    page.locator("#id_start").fill("2024-05-01")
    pick(page, "id_partnerships", "NAVTEST", "NAVTEST")
    publish_with_a_source(page)

    # Readers find all three on the new partnership's page, and nothing of CaMo there.
    editor.goto("/en/partnerships/navtest/")
    main = page.locator("main")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Test naval cooperation")
    expect(main).to_contain_text("Belgium")
    expect(main).to_contain_text("Lead nation")
    expect(
        main.get_by_role("link", name=re.compile("Protocole d.accord d.essai")).first
    ).to_be_visible()
    expect(main).to_contain_text("Memorandum of understanding")
    expect(
        main.get_by_role("link", name=re.compile("Exercice naval d.essai")).first
    ).to_be_visible()
    expect(main).not_to_contain_text("Griffon")
    editor.seen("new-partnership-public")
    editor.goto("/en/partnerships/navtest/activities/")
    expect(
        page.locator("main").get_by_role("link", name=re.compile("Exercice naval"))
    ).to_be_visible()
    editor.assert_console_clean()
