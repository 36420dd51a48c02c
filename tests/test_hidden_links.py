"""No hidden record reaches an anonymous reader through any link (issue 12, point 1).

A hidden copy of every record type is linked from published records through every relation the
schema has (tests/hidden_links.py); then every page, feed, the sitemap, every API list and detail
in JSON and CSV, the Data Package and every relation filter of the API must neither name nor count
them. One crawl of the site serves every check.
"""

import json
import re

import pytest
from django.test import Client
from django.utils import translation

from partnership.models.base import Publishable
from partnership.visibility import gated
from tests.factories import examples_the_dataset_lacks
from tests.hidden_links import (
    HIDDEN_COUNTRY_CODE,
    MARK,
    link_hidden_records,
    make_hidden_records,
)
from tests.test_public import crawl, links_of

pytestmark = pytest.mark.django_db


def leaks(text):
    """What in `text` names a hidden record: its marked names and slugs, its country code."""
    found = {match.group(0) for match in re.finditer(rf"[^\s<>\"]*{MARK}[^\s<>\"]*", text, re.I)}
    found |= set(re.findall(rf"\"{HIDDEN_COUNTRY_CODE}\"|>{HIDDEN_COUNTRY_CODE}<", text))
    return sorted(found)[:5]


@pytest.fixture
def hidden():
    return link_hidden_records()


def api_lists(client):
    root = client.get("/api/v1/", HTTP_ACCEPT="application/json").json()
    lists = {name: url.replace("http://testserver", "") for name, url in root.items()}
    return lists | {"timeline": "/api/v1/timeline/"}


def every_api_page(client, url):
    """Every page of an API list: (path, decoded JSON)."""
    paginated = url.endswith("/") and "timeline" not in url
    path = f"{url}{'&' if '?' in url else '?'}page_size=100" if paginated else url
    while path:
        response = client.get(path, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, f"{path} answered {response.status_code}"
        body = response.json()
        yield path, body
        following = body.get("next") if isinstance(body, dict) else None
        path = following.replace("http://testserver", "") if following else None


class TestNothingHiddenReachesReaders:
    def test_the_schema_is_covered(self, hidden):
        """Every gated model has a hidden copy; a new model would be linked too."""
        for model in {m for m in hidden if gated(m)}:
            assert hidden[model].pk
        assert any(issubclass(m, Publishable) for m in hidden)

    def test_no_page_feed_or_sitemap_names_a_hidden_record(self, hidden):
        client = Client()
        with translation.override("en"):
            pages = crawl(client)
        assert len(pages) > 300
        found = {path: leaks(html) for path, html in pages.items() if leaks(html)}
        paths = ["/sitemap.xml"]
        for language in ("fr", "nl", "en"):
            paths += [f"/{language}/news/rss.xml", f"/{language}/news/atom.xml"]
        for path in paths:
            text = client.get(path).content.decode()
            if leaks(text):
                found[path] = leaks(text)
        assert not found, (
            f"hidden records named on {len(found)} pages: {dict(list(found.items())[:15])}"
        )

    def test_a_tag_used_only_by_hidden_records_has_no_feed(self, hidden):
        from partnership.models import Tag

        tag = hidden[Tag]
        for kind in ("rss", "atom"):
            assert Client().get(f"/fr/news/tags/{tag.slug}/{kind}.xml").status_code == 404

    def test_no_api_list_detail_or_csv_names_a_hidden_record(self, hidden):
        client = Client()
        found = {}
        for url in api_lists(client).values():
            for path, body in every_api_page(client, url):
                text = json.dumps(body, ensure_ascii=False)
                if leaks(text):
                    found[path] = leaks(text)
                results = body.get("results", []) if isinstance(body, dict) else []
                for item in results:
                    detail = item.get("url") if isinstance(item, dict) else None
                    if detail:
                        response = client.get(detail.replace("http://testserver", ""))
                        if leaks(response.content.decode()):
                            found[detail] = leaks(response.content.decode())
            csv = client.get(f"{url}?format=csv&page_size=100") if url.endswith("/") else None
            if csv and csv.status_code == 200 and leaks(csv.content.decode()):
                found[f"{url} (CSV)"] = leaks(csv.content.decode())
        package = client.get("/api/v1/datapackage.json").content.decode()
        if leaks(package):
            found["datapackage.json"] = leaks(package)
        assert not found, f"hidden records named by the API: {found}"

    def test_no_api_filter_matches_through_a_hidden_record(self, hidden):
        """`?organization=<hidden>` and the like match nothing (or are refused)."""
        from partnership.api.urls import router

        client = Client()
        found = []
        checked = 0
        for prefix, viewset, _basename in router.registry:
            filterset = getattr(viewset, "filterset_class", None)
            if filterset is None:
                continue
            for param, spec in filterset.base_filters.items():
                value = self.hidden_value(filterset._meta.model, spec, hidden)
                if value is None:
                    continue
                checked += 1
                response = client.get(
                    f"/api/v1/{prefix}/", {param: value}, HTTP_ACCEPT="application/json"
                )
                if response.status_code == 200 and response.json()["count"]:
                    found.append(f"{prefix}?{param}={value}: {response.json()['count']} results")
        assert checked >= 10
        assert not found, found

    @staticmethod
    def hidden_value(model, spec, hidden):
        """The hidden record's slug or code for a filter on a relation, else None."""
        if spec.method and spec.field_name == "country":
            return HIDDEN_COUNTRY_CODE  # a method matching a country through several links
        field_name = spec.field_name or ""
        parts = field_name.split("__")
        if len(parts) < 2:
            return None
        for name in parts[:-1]:
            try:
                model = model._meta.get_field(name).related_model
            except Exception:
                return None
            if model is None:
                return None
        record = hidden.get(model)
        if record is None or parts[-1] not in ("slug", "code"):
            return None
        return getattr(record, parts[-1], None)


def what_readers_see(client):
    """{address: text} of every French page, feed, the sitemap and every API list (JSON, CSV),
    with what changes from one answer to the next (nonces, CSRF tokens) left out."""
    seen, queue, answers = {"/fr/"}, ["/fr/"], {}
    while queue:
        path = queue.pop()
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        answers[path] = text
        if "text/html" in response["Content-Type"]:
            for href in links_of(text):
                target = href.split("#")[0]
                if target.startswith("/fr/") and target not in seen:
                    seen.add(target)
                    queue.append(target)
    for path in ["/sitemap.xml", "/fr/news/atom.xml", "/api/v1/datapackage.json"]:
        answers[path] = client.get(path).content.decode()
    for url in api_lists(client).values():
        for path, body in every_api_page(client, url):
            answers[path] = json.dumps(body, ensure_ascii=False)
        if url.endswith("/"):
            csv = client.get(f"{url}?format=csv&page_size=100")
            answers[f"{url}?format=csv"] = csv.content.decode()
    return {path: re.sub(r'(nonce|value)="[^"]*"', "", text) for path, text in answers.items()}


def test_hidden_records_change_nothing_readers_see():
    """Counts, figures, filters and lists are the same with hidden records in the database:
    nothing counts a draft, a record in review, a withdrawn or a scheduled one, nor a row that
    depends on one (issue 12, point 10: filters counting draft participations, draft sources
    counted, deliveries of hidden orders in charts)."""
    client = Client()
    examples_the_dataset_lacks()
    with translation.override("en"):
        before = what_readers_see(client)
        make_hidden_records()
        after = what_readers_see(client)
    assert len(before) > 150
    changed = sorted(path for path in before if before[path] != after.get(path))
    assert set(after) == set(before), sorted(set(after) ^ set(before))[:10]
    details = []
    for path in changed[:8]:
        old, new = before[path], after[path]
        start = next(i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b)
        details.append(
            f"{path}: …{old[max(0, start - 80) : start + 80]!r} → {new[start : start + 80]!r}"
        )
    assert not changed, f"{len(changed)} answers changed:\n" + "\n".join(details)
