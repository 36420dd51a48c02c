"""No garbage in a request gives a server error: every URL the sitemap lists and every endpoint the
API root lists (with the real dataset) is sent malformed query strings, path segments and headers.

Garbage: very long strings, right-to-left text, emoji, combining marks, NUL and other control
characters, invalid UTF-8 and percent escapes, SQL- and template-like text, repeated parameters,
impossible dates and page numbers, unknown languages, formats, orderings and filters. Any answer
from 500 up is a failure; all of them are collected and reported together.

Deterministic and bounded (about 3,000 requests): a fixed seed picks, for each kind of page (each
view), a sample URL that gets every garbage value when it reads parameters (lists, filters) and a
sample of them otherwise, a sample of bad path segments and headers; then every URL of the
sitemap gets one random bad parameter more.
"""

import json
import logging
import random
import re
from collections import defaultdict
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import Resolver404, resolve

pytestmark = [pytest.mark.django_db, pytest.mark.crawl]


@pytest.fixture(autouse=True)
def quiet_client_errors():
    """Thousands of 4xx are expected here: they are not logged (server errors still are)."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


SEED = 12
# Each value is the raw, already percent-encoded text put in a query string or a path segment:
# some are not valid UTF-8 or not valid escapes at all, as a client may send them.
GARBAGE = [
    quote("x" * 5000),
    quote("é" * 1500),
    quote("\u202eevil\u202c مرحبا שלום"),
    quote("👍🏽🏳️‍🌈" * 40),
    quote("e\u0301\u0302\u0303\u0304\u0305" * 30),
    "%00",
    "a%00b",
    "%0a",
    "%0d%0a",
    "%09%0b%0c%1b%7f",
    "%ff",
    "%c3%28",
    "%ed%a0%80",
    "%",
    "%zz",
    "%%",
    quote("' OR 1=1 --"),
    quote('"; DROP TABLE partnership_order; --'),
    quote("<script>alert(1)</script>"),
    quote("{{7*7}}${7*7}"),
    quote("../../../etc/passwd"),
    "2024-13-45",
    "2024-02-30",
    "0000-00-00",
    "-1",
    "0",
    "99999",
    str(10**20),
    "1e309",
    "NaN",
    "-inf",
    "abc",
    "1.5",
    "0x10",
    quote("٣²"),
    "",
    "+",
    quote("[]{}"),
    "null",
]
# Names that no page or endpoint knows, and names some other site might use.
UNKNOWN = ["zzz", "filter[name]", "sort", "limit"]
COMMON = ["page", "page_size", "lang", "format", "ordering", "q", "year", "search"]
ACCEPT_LANGUAGE = [
    "x" * 5000,
    "zz-ZZ",
    "*",
    "fr;q=2, en;q=-1",
    "en;q=abc",
    ",,,;;;",
    "fr-CH-1996-x-foo-bar-baz",
    "i-klingon",
    "\u202eنص",
    "\x00",
    "en\r\nX-Injected: 1",
]
# Bounds: how many garbage values a page that reads no parameter gets, and how many of the
# Accept-Language headers each page gets (a seeded sample).
SAMPLE = 8
HEADERS = 3


def query(pairs):
    return "&".join(f"{quote(name)}={value}" for name, value in pairs)


class Fuzzer:
    def __init__(self):
        self.client = Client(raise_request_exception=False)
        self.failures = []
        self.sent = 0

    def get(self, url, headers=None):
        headers = headers or {}
        self.sent += 1
        if self.sent % 100 == 0:
            # The API's rate limit would turn most requests into 429s, which test nothing.
            cache.clear()
        response = self.client.get(url, headers=headers)
        if response.status_code >= 500:
            error = ""
            if response.exc_info:
                error = f"{response.exc_info[0].__name__}: {response.exc_info[1]}"[:300]
            shown = f" {headers}" if headers else ""
            self.failures.append(f"GET {url[:300]}{shown} -> {response.status_code} {error}")
        return response

    def queries(self, url, names, values):
        """`url` with each value once, under each name in turn, then a repeated parameter and
        every name at once."""
        if not names:
            return
        path = url.split("?", 1)[0]
        for i, value in enumerate(values):
            self.get(f"{path}?{query([(names[i % len(names)], value)])}")
        name = names[len(values) % len(names)]
        self.get(f"{path}?{query([(name, '1'), (name, '2'), (name, values[0]), (name, '')])}")
        self.get(
            f"{path}?{query([(name, values[i % len(values)]) for i, name in enumerate(names)])}"
        )

    def segments(self, url, values, rng):
        """`url` with each value once in place of one of its path segments (or appended)."""
        parts = urlsplit(url).path.strip("/").split("/")
        for value in values:
            position = rng.randrange(len(parts) + 1)
            changed = [*parts]
            changed[position : position + 1] = [value]
            self.get("/" + "/".join(changed) + "/")

    def headers(self, url, rng):
        for value in rng.sample(ACCEPT_LANGUAGE, HEADERS):
            self.get(url, {"accept-language": value})
        self.get(url, {"accept": "application/x-garbage, */*;q=abc"})


def parameter_names(html):
    """The query parameters a page offers: its form fields and its links' query strings."""
    names = set(re.findall(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", html))
    for found in re.findall(r"href=\"[^\"]*\?([^\"#]*)", html):
        names.update(name for name, _value in parse_qsl(found.replace("&amp;", "&")))
    return sorted(names - {"csrfmiddlewaretoken"})


def route(path):
    """The view answering `path`, whatever its language."""
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


@pytest.fixture(scope="module")
def targets(django_db_setup, django_db_blocker):
    """The sitemap's URLs by route, and the API's endpoints with their documented parameters."""
    with django_db_blocker.unblock():
        client = Client()
        sitemap = client.get("/sitemap.xml").content.decode()
        urls = [urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
        root = json.loads(client.get("/api/v1/", headers={"accept": "application/json"}).content)
        schema = json.loads(client.get("/api/schema/", query_params={"format": "json"}).content)
    pages = defaultdict(list)
    for url in urls:
        pages[route(url)].append(url)
    documented = {
        path: sorted(
            {parameter["name"] for parameter in operation["get"].get("parameters", [])}
            - {"slug", "id"}
        )
        for path, operation in schema["paths"].items()
        if "get" in operation
    }
    return {
        "pages": pages,
        "api": [urlsplit(url).path for url in root.values()],
        "schema": documented,
    }


def test_sitemap_and_api_root_list_what_this_test_fuzzes(targets):
    assert len(targets["pages"]) >= 15, targets["pages"].keys()
    assert sum(len(urls) for urls in targets["pages"].values()) > 500
    assert len(targets["api"]) >= 14
    assert all(urls for urls in targets["pages"].values())


def shuffled(names, rng):
    names = sorted(names)
    rng.shuffle(names)
    return names


def test_no_garbage_on_any_public_page_gives_a_server_error(targets):
    """Each kind of page: every garbage value when it reads parameters (a list's filters and
    pages), a sample otherwise; then every URL of the sitemap once more with one random pair."""
    fuzzer = Fuzzer()
    rng = random.Random(SEED)
    for _view, urls in sorted(targets["pages"].items(), key=lambda item: str(item[0])):
        sample = rng.choice(urls)
        own = parameter_names(fuzzer.get(sample).content.decode(errors="replace"))
        names = shuffled({*own, *COMMON, *UNKNOWN}, rng)
        values = GARBAGE if own else rng.sample(GARBAGE, SAMPLE)
        fuzzer.queries(sample, shuffled(own, rng) + names if own else names, values)
        fuzzer.segments(sample, rng.sample(GARBAGE, SAMPLE), rng)
        fuzzer.headers(sample, rng)
        for url in urls:
            fuzzer.get(f"{url}?{query([(rng.choice(names), rng.choice(GARBAGE))])}")
    for url in ("/", "/robots.txt", "/sitemap.xml"):
        fuzzer.queries(url, shuffled({*COMMON, *UNKNOWN}, rng), rng.sample(GARBAGE, SAMPLE))
        fuzzer.headers(url, rng)
    assert not fuzzer.failures, f"{len(fuzzer.failures)} server errors:\n" + "\n".join(
        fuzzer.failures
    )


def test_no_garbage_on_any_api_endpoint_gives_a_server_error(targets):
    """Each list: every garbage value, each documented filter at least once more; one record of
    each with a sample; the timeline and Data Package too."""
    fuzzer = Fuzzer()
    rng = random.Random(SEED)
    extra = [
        "/api/v1/",
        "/api/v1/timeline/",
        "/api/v1/timeline/timelinejs/",
        "/api/v1/datapackage.json",
    ]
    for endpoint in [*targets["api"], *extra]:
        listed = fuzzer.get(endpoint, headers={"accept": "application/json"})
        documented = set(targets["schema"].get(endpoint, [])) - {"lang", "format"}
        names = shuffled({*COMMON, *UNKNOWN, *documented}, rng)
        fuzzer.queries(endpoint, names, GARBAGE if documented else rng.sample(GARBAGE, SAMPLE))
        fuzzer.queries(endpoint, shuffled(documented, rng), rng.sample(GARBAGE, SAMPLE))
        fuzzer.headers(endpoint, rng)
        body = listed.json()
        if endpoint in extra or not isinstance(body, dict) or "results" not in body:
            continue  # not a list of records (the timeline, the Data Package)
        fuzzer.segments(endpoint, rng.sample(GARBAGE, SAMPLE), rng)
        record = rng.choice(body["results"])
        detail = f"{endpoint}{record.get('slug') or record['id']}/"
        fuzzer.queries(detail, shuffled({*COMMON, *UNKNOWN}, rng), rng.sample(GARBAGE, SAMPLE))
        fuzzer.segments(detail, rng.sample(GARBAGE, SAMPLE), rng)
        fuzzer.headers(detail, rng)
    assert not fuzzer.failures, f"{len(fuzzer.failures)} server errors:\n" + "\n".join(
        fuzzer.failures
    )


@pytest.mark.parametrize("name", ["page", "page_size"])
@pytest.mark.parametrize("value", ["²", "٣", "１", "1²"])
def test_a_page_number_in_other_digits_is_a_client_error(client, name, value):
    """`str.isdigit` accepts superscripts and other scripts' digits; `int` refuses some of them."""
    response = client.get("/api/v1/orders/", {name: value})
    assert response.status_code in (400, 404), response.content
