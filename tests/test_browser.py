"""The site in a real browser: reader journeys at desktop and phone widths, accessibility, CSP.

The app runs as in production (gunicorn, DEBUG off, strict CSP, WhiteNoise) on its own SQLite
database, loaded with the CaMo dataset. Needs Debian's Chromium and axe-core from npm (`npm ci`);
without them the tests are skipped, except on CI where they fail. Screenshots of every page visited
go to test-artifacts/screenshots/.
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser_support import (
    assert_no_horizontal_scroll,
    axe_violations,
    chromium_browser,
    describe_violations,
    require_browser_tools,
    running_server,
    screenshot,
)

pytestmark = pytest.mark.browser

VIEWPORTS = {1280: {"width": 1280, "height": 900}, 360: {"width": 360, "height": 800}}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def camo_server(tmp_path_factory):
    """The app in production mode on a free localhost port, against its own SQLite database."""
    require_browser_tools()
    with running_server(tmp_path_factory.mktemp("camo-browser")) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def chromium(camo_server):
    with chromium_browser() as browser:
        yield browser


@pytest.fixture(params=sorted(VIEWPORTS, reverse=True), ids=lambda width: f"{width}px")
def width(request):
    return request.param


class Visit:
    """A browser tab at one width, without bypass_csp, recording console errors and page errors."""

    def __init__(self, browser, base_url, width):
        self.base_url = base_url
        self.width = width
        self.context = browser.new_context(viewport=VIEWPORTS[width], base_url=base_url)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors = []
        self.expected_404 = set()
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _on_console(self, message):
        if message.type != "error":
            return
        location = message.location.get("url", "")
        path = urlsplit(location).path
        if path == "/favicon.ico":
            return  # the browser's own guess, should the site ever lose its icon link
        if path in self.expected_404 and "status of 404" in message.text:
            return  # Chromium logs the 404 of a page the test asked for on purpose
        self.errors.append(f"console error on {self.page.url}: {message.text} ({location})")

    def goto(self, path, status=200):
        response = self.page.goto(path)
        assert response is not None and response.status == status, (
            f"{path} answered {response and response.status}, expected {status}"
        )
        return response

    def seen(self, name):
        """Every page visited: full-page screenshot, and no horizontal scrolling."""
        screenshot(self.page, self.width, name)
        assert_no_horizontal_scroll(self.page)

    def assert_console_clean(self):
        assert not self.errors, "console errors or CSP violations:\n" + "\n".join(self.errors)

    def close(self):
        self.context.close()


@pytest.fixture
def visit(chromium, camo_server, width):
    tab = Visit(chromium, camo_server, width)
    yield tab
    tab.close()


def path_of(page):
    return urlsplit(page.url).path


# Reader journeys -----------------------------------------------------------------------------


def test_home_to_equipment_to_griffon(visit):
    page = visit.page
    visit.goto("/fr/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    visit.seen("home")

    page.get_by_role("navigation").get_by_role(
        "link", name=re.compile(r"^(Equipment|Équipements?)$")
    ).click()
    expect(page).to_have_url(re.compile(r"/fr/systems/$"))
    visit.seen("equipment")

    page.locator("main").get_by_role("link", name=re.compile(r"^Griffon( VBMR)?$")).click()
    expect(page).to_have_url(re.compile(r"/fr/systems/griffon/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Griffon")
    chart = page.locator("svg[role=img]")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100, f"chart too small: {box}"
    belgium_382 = (
        page.get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=re.compile(r"^(Belgium|Belgique)$")))
        .filter(has=page.get_by_role("cell", name=re.compile(r"^382\b")))
    )
    expect(belgium_382).to_be_visible()
    sources = page.locator("ol.source-list > li")
    expect(sources.first).to_be_visible()
    assert sources.count() >= 5
    # The superscript citation numbers lead to the numbered sources.
    page.locator("sup.cite a").first.click()
    expect(page.locator("ol.source-list > li:target")).to_be_visible()
    visit.seen("griffon")
    visit.assert_console_clean()


def test_switch_language_on_griffon_and_back(visit):
    """The switcher keeps the page: French, then Dutch, then English, then French again."""
    page = visit.page
    visit.goto("/fr/systems/griffon/")
    role = page.locator("main p.lead")
    french_role = role.inner_text()
    switcher = page.get_by_role("navigation", name=re.compile(r"(Langue|Language|Taal)"))
    switcher.get_by_role("link", name="Nederlands").click()
    expect(page).to_have_url(re.compile(r"/nl/systems/griffon/$"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    dutch_role = role.inner_text()
    assert dutch_role != french_role, "the role is not translated on the Dutch page"
    visit.seen("griffon-nl")
    page.get_by_role("navigation", name=re.compile(r"(Langue|Language|Taal)")).get_by_role(
        "link", name="English"
    ).click()
    expect(page).to_have_url(re.compile(r"/en/systems/griffon/$"))
    assert role.inner_text() not in (french_role, dutch_role)
    page.get_by_role("navigation", name=re.compile(r"(Langue|Language|Taal)")).get_by_role(
        "link", name="Français"
    ).click()
    expect(page).to_have_url(re.compile(r"/fr/systems/griffon/$"))
    assert role.inner_text() == french_role
    visit.assert_console_clean()


def test_an_untranslated_text_is_marked(visit):
    """The article's body exists in French only: the English page says so, above the text."""
    page = visit.page
    visit.goto("/en/news/camo-cooperation-franco-belge-innovante/")
    notice = page.locator(".untranslated-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Not yet translated into English")
    expect(page.locator('article p[lang="fr"]').first).to_be_visible()
    visit.seen("article-en-fallback")
    visit.assert_console_clean()


def test_news_to_article_to_related_content(visit):
    page = visit.page
    visit.goto("/fr/news/")
    visit.seen("news")
    first = page.locator("main ul.cards h2 a").first
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    visit.seen("article")

    related = page.locator("section[aria-labelledby=related-heading]")
    expect(related.get_by_role("heading", level=2)).to_be_visible()
    link = related.get_by_role("link").first
    related_title, related_href = link.inner_text(), link.get_attribute("href")
    link.click()
    expect(page).to_have_url(re.compile(re.escape(related_href) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(related_title)
    visit.seen("related-article")
    visit.assert_console_clean()


def test_activities_filtered_by_year(visit):
    page = visit.page
    visit.goto("/fr/activities/")
    visit.seen("activities")
    form = page.locator("main form.filters")
    form.get_by_role("spinbutton", name=re.compile(r"^(Year|Année)$")).fill("2023")
    form.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"[?&]year=2023"))
    table = page.locator("main table")
    expect(table.get_by_role("link", name="Celtic Uprise 2023", exact=True)).to_be_visible()
    expect(table).not_to_contain_text("Celtic Uprise 2024")
    expect(table.get_by_role("link", name=re.compile("2024"))).to_have_count(0)
    visit.seen("activities-2023")
    visit.assert_console_clean()


def test_timeline_filtered_by_country(visit):
    page = visit.page
    visit.goto("/fr/timeline/")
    visit.seen("timeline")
    page.get_by_role("combobox", name=re.compile(r"^(Country|Pays)$")).select_option(
        label="Luxembourg"
    )
    page.locator("main form.filters").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"[?&]country=LU"))
    timeline = page.locator("main")
    expect(
        timeline.get_by_role("link", name=re.compile(r"Luxembourg (orders|commande) 16 × Griffon"))
    ).to_be_visible()
    expect(
        timeline.get_by_role("link", name=re.compile(r"Luxembourg (orders|commande) 38 × Jaguar"))
    ).to_be_visible()
    expect(timeline).not_to_contain_text(re.compile("Belgium (orders|commande)"))
    visit.seen("timeline-luxembourg")
    visit.assert_console_clean()


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(visit):
    page = visit.page
    visit.goto("/fr/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    expect(skip).to_be_in_viewport()
    box = skip.bounding_box()
    assert box and box["y"] >= 0 and box["x"] >= 0, f"skip link off screen: {box}"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    assert page.url.endswith("#main")
    visit.seen("home-skip-link")
    visit.assert_console_clean()


def test_unknown_system_shows_the_404_page(visit):
    page = visit.page
    visit.expected_404.add("/fr/systems/no-such-system/")
    visit.goto("/fr/systems/no-such-system/", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^(Page not found|Page non trouvée|Page introuvable)$")
    )
    expect(page.get_by_role("navigation").first).to_be_visible()
    expect(page.locator("main").get_by_role("link").first).to_be_visible()
    visit.seen("404")
    visit.assert_console_clean()


def test_api_docs_work_offline_under_the_csp(visit):
    """The interactive API docs load from our own static files, with no CSP violation."""
    page = visit.page
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(visit.base_url) else None
        ),
    )
    visit.goto("/api/docs/")
    expect(page.get_by_text("CaMo knowledge base API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/orders/").first).to_be_visible()
    assert outside == []
    screenshot(page, visit.width, "api-docs")
    visit.assert_console_clean()


# Accessibility: axe-core on every page type the journeys visit, and a few more --------------

A11Y_PAGES = {
    "home": "/fr/",
    "equipment": "/fr/systems/",
    "griffon": "/fr/systems/griffon/",
    "news": "/fr/news/",
    "article": ("/fr/news/", "main ul.cards h2 a"),
    "activities": "/fr/activities/",
    "timeline": "/fr/timeline/",
    "organizations": "/fr/organizations/",
    "partnership": "/fr/partnerships/camo/",
    "partnership-nl": "/nl/partnerships/camo/",
    "article-en": "/en/news/camo-cooperation-franco-belge-innovante/",
    "activity": "/fr/activities/celtic-uprise-2023/",
    "person": ("/fr/people/", "main ul.columns-list a"),
    "sources": "/fr/sources/",
    "methodology": "/fr/methodology/",
    "404": "/fr/systems/no-such-system/",
}


@pytest.mark.parametrize("name", list(A11Y_PAGES))
def test_no_serious_accessibility_violations(chromium, camo_server, width, name):
    # bypass_csp only here, so that axe can be injected; the journeys above run under the CSP.
    context = chromium.new_context(viewport=VIEWPORTS[width], base_url=camo_server, bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        target = A11Y_PAGES[name]
        if isinstance(target, tuple):
            listing, selector = target
            page.goto(listing)
            page.goto(page.locator(selector).first.get_attribute("href"))
        else:
            page.goto(target)
        screenshot(page, width, name)
        assert_no_horizontal_scroll(page)
        violations = axe_violations(page)
        assert not violations, describe_violations(page.url, violations)
    finally:
        context.close()
