"""Content in French, Dutch and English: pages, fallback marker, switcher, API, admin, dataset."""

import gettext
import json
import re
import xml.etree.ElementTree as ET
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from partnership.loading import DatasetError, Loader
from partnership.models import (
    RECORD_TYPES,
    Activity,
    Agreement,
    Article,
    Organization,
    Partnership,
    Programme,
    System,
)
from partnership.models.i18n import TRANSLATION_LANGUAGES

from . import factories
from .test_public import crawl, get, links_of

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("fr", "nl", "en")


@pytest.fixture
def api():
    return APIClient()


def localized(record, field, language):
    with translation.override(language):
        return getattr(record.t, field)


def url_in(record, language):
    with translation.override(language):
        return record.get_absolute_url()


# Pages ------------------------------------------------------------------------------------------

# A published record of each public type whose main text is translated in the dataset.
MAIN_TEXT = {
    "partnership": "name",
    "agreement": "title",
    "programme": "name",
    "system": "role",
    "order": "summary",
    "activity": "name",
    "organization": "name",
    "person": "summary",
    "country": "name",
    "event": "title",
    "quote": "occasion",
    "article": "title",
}


def translated_record(type_name):
    model, field = RECORD_TYPES[type_name], MAIN_TEXT[type_name]
    return (
        model.objects.published()
        .exclude(**{f"{field}_{language}": "" for language in TRANSLATION_LANGUAGES})
        .exclude(**{field: ""})
        .order_by("pk")
        .first()
    )


class TestPagesInEachLanguage:
    @pytest.mark.parametrize("language", LANGUAGES)
    @pytest.mark.parametrize("type_name", list(MAIN_TEXT))
    def test_every_page_type_shows_its_text_in_the_page_language(self, client, type_name, language):
        record = translated_record(type_name)
        assert record is not None, f"the dataset has no translated {type_name}"
        url = url_in(record, language)
        assert url.startswith(f"/{language}/")
        html = get(client, url).content.decode()
        assert f'<html lang="{language}">' in html
        text = localized(record, MAIN_TEXT[type_name], language)
        assert text.language == language and not text.fallback
        assert escape(text) in html
        assert f'<span lang="fr">{escape(text)}</span>' not in html
        if language == "fr":
            assert "untranslated" not in html

    @pytest.mark.parametrize("language", LANGUAGES)
    @pytest.mark.parametrize(
        "name", ["partnerships", "systems", "activities", "organizations", "countries", "news"]
    )
    def test_every_list_page_answers_in_each_language(self, client, name, language):
        with translation.override(language):
            url = reverse(f"partnership:{name}")
        html = get(client, url).content.decode()
        assert f'<html lang="{language}">' in html

    def test_the_dutch_partnership_page_is_in_dutch(self, client):
        html = get(client, "/nl/partnerships/camo/").content.decode()
        assert "<h1>Gemotoriseerde Capaciteit (CaMo)</h1>" in html
        assert "21 juni 2019" in html
        assert "Capacité Motorisée" not in html.split("<main", 1)[1].split("</h1>", 1)[0]

    def test_the_dutch_home_page_shows_the_entry_into_force_in_dutch(self, client):
        html = get(client, "/nl/").content.decode()
        assert "21 juni 2019" in html
        assert "21 juin 2019" not in html


class TestFallback:
    def test_a_missing_translation_shows_the_french_text_marked(self, client):
        system = factories.system(name="Véhicule d'essai", role="Rôle en français seulement")
        system.name_nl = "Testvoertuig"
        system.save()
        html = get(client, url_in(system, "nl")).content.decode()
        assert "Testvoertuig" in html  # the translated name
        # The untranslated role is the French text, in French, with a visible marker...
        assert (
            '<span lang="fr">Rôle en français seulement</span> <span class="untranslated"' in html
        )
        # ...and the page says which texts are not yet translated, in Dutch.
        notice = re.search(r'<p class="notice untranslated-notice"[^>]*>(.*?)</p>', html).group(1)
        assert "Nog niet vertaald in het Nederlands" in notice
        assert "rol" in notice

    def test_the_french_page_has_no_marker(self, client):
        system = factories.system(role="Rôle en français seulement")
        html = get(client, url_in(system, "fr")).content.decode()
        assert "Rôle en français seulement" in html
        assert 'class="untranslated' not in html

    def test_a_complete_translation_has_no_marker(self, client):
        system = factories.system(name="Nom", role="Rôle")
        system.name_en, system.role_en = "Name", "Role"
        system.save()
        system.programme.name_en = "Programme"
        system.programme.save()
        html = get(client, url_in(system, "en")).content.decode()
        assert "Role" in html and "Rôle" not in html
        assert 'class="untranslated' not in html

    def test_an_article_body_in_french_only_is_marked_in_english(self, client):
        article = Article.objects.published().exclude(body="").filter(body_en="").first()
        html = get(client, url_in(article, "en")).content.decode()
        assert "Not yet translated into English: body." in html
        paragraph = article.paragraphs[0]
        assert f'<p lang="fr">{escape(paragraph)}</p>' in html

    def test_a_list_marks_each_untranslated_name(self, client):
        factories.partnership(name="Partenariat sans traduction")
        html = get(client, "/en/partnerships/").content.decode()
        marked = re.search(
            r'<span lang="fr">Partenariat sans traduction</span> <span class="untranslated" '
            r'title="Not yet translated: shown in French, the reference language.">',
            html,
        )
        assert marked


class TestSwitcher:
    def follow_switcher(self, client, path, language):
        html = get(client, path).content.decode()
        match = re.search(rf'<a href="([^"]+)" hreflang="{language}"', html)
        assert match, f"no switcher link to {language} on {path}"
        return unescape(match.group(1))

    @pytest.mark.parametrize(
        "path", ["/nl/systems/griffon/", "/nl/activities/?kind=exercise", "/nl/partnerships/camo/"]
    )
    def test_round_trip_keeps_the_page(self, client, path):
        english = self.follow_switcher(client, path, "en")
        assert english == path.replace("/nl/", "/en/", 1)
        assert '<html lang="en">' in get(client, english).content.decode()
        french = self.follow_switcher(client, english, "fr")
        assert french == path.replace("/nl/", "/fr/", 1)
        assert self.follow_switcher(client, french, "nl") == path

    def test_slugs_are_the_same_in_every_language(self):
        agreement = Agreement.objects.published().first()
        paths = {url_in(agreement, language)[3:] for language in LANGUAGES}
        assert len(paths) == 1


def interface_strings(language) -> set[str]:
    """The translations of interface strings in `language`, from the compiled catalogue."""
    catalogue = gettext.translation(
        "django", localedir=ROOT / "locale", languages=[language]
    )._catalog
    texts = set()
    for key, value in catalogue.items():
        if not key or not value:
            continue
        texts.add(value)
    return texts


class TextNodes(HTMLParser):
    """The visible text of a page, without scripts and without texts marked as another language."""

    def __init__(self):
        super().__init__()
        self.stack, self.texts = [], []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "meta", "link", "input", "hr", "source", "wbr"):
            return
        self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if any(tag in ("script", "style", "title") or lang for tag, lang in self.stack[1:]):
            return
        text = " ".join(data.split())
        if text:
            self.texts.append(text)


@pytest.mark.crawl
class TestCrawl:
    def test_every_language_crawls_without_error_or_foreign_interface_text(self, client):
        """The whole public site, reached from /fr/ and through the switcher: every page answers
        200 (crawl asserts it) in each of the three languages, and no page shows an interface
        string of another language (a string left untranslated, or translated once at import).
        """
        pages = crawl(client)
        by_language = {
            language: [p for p in pages if p.startswith(f"/{language}/")] for language in LANGUAGES
        }
        assert all(by_language.values())
        assert len({len(paths) for paths in by_language.values()}) == 1, "a language lacks pages"
        own = {language: interface_strings(language) for language in LANGUAGES}
        # Interface texts of other languages that this language never uses, and long enough not
        # to be a proper noun or a number shared by the languages.
        foreign = {
            language: {
                text
                for other in LANGUAGES
                if other != language
                for text in own[other]
                if len(text) > 12 and " " in text and text not in own[language]
            }
            for language in LANGUAGES
        }
        leaks = []
        for path, html in pages.items():
            language = path.split("/")[1]
            assert f'<html lang="{language}">' in html, path
            parser = TextNodes()
            parser.feed(html)
            leaks += [(path, text) for text in parser.texts if text in foreign[language]]
        assert not leaks, leaks[:10]

    def test_the_feeds_answer_in_each_language(self, client):
        article = Article.objects.published().exclude(title_nl="").exclude(title_en="").first()
        for language in LANGUAGES:
            feed = ET.fromstring(get(client, f"/{language}/news/atom.xml").content)
            titles = [node.text for node in feed.iter("{http://www.w3.org/2005/Atom}title")]
            assert localized(article, "title", language) in titles


# API --------------------------------------------------------------------------------------------


class TestApiLanguage:
    def test_french_is_the_default(self, api):
        response = api.get("/api/v1/partnerships/camo/")
        assert response["Content-Language"] == "fr"
        assert response.json()["name"] == "Capacité Motorisée"
        assert response.json()["languages"]["name"] == "fr"

    @pytest.mark.parametrize("language", ["nl", "en"])
    def test_lang_parameter_picks_the_language(self, api, language):
        partnership = Partnership.objects.get(slug="camo")
        data = api.get(f"/api/v1/partnerships/camo/?lang={language}").json()
        assert data["name"] == getattr(partnership, f"name_{language}")
        assert data["summary"] == getattr(partnership, f"summary_{language}")
        assert data["languages"] == {"name": language, "summary": language, "objectives": language}
        assert data["html_url"].endswith(f"/{language}/partnerships/camo/")

    def test_accept_language_picks_the_language(self, api):
        response = api.get("/api/v1/programmes/scorpion/", HTTP_ACCEPT_LANGUAGE="nl-BE,nl;q=0.9")
        assert response["Content-Language"] == "nl"
        assert "Accept-Language" in response["Vary"]
        programme = Programme.objects.get(slug="scorpion")
        assert response.json()["summary"] == programme.summary_nl

    def test_lang_parameter_wins_over_accept_language(self, api):
        response = api.get("/api/v1/programmes/scorpion/?lang=en", HTTP_ACCEPT_LANGUAGE="nl")
        assert response["Content-Language"] == "en"

    def test_a_missing_translation_is_the_french_text_and_says_so(self, api):
        system = factories.system(name="Seulement en français", role="Rôle")
        data = api.get(f"/api/v1/systems/{system.slug}/?lang=nl").json()
        assert data["name"] == "Seulement en français"
        assert data["languages"]["name"] == "fr"

    def test_lists_and_nested_rows_follow_the_language(self, api):
        data = api.get("/api/v1/systems/?lang=en").json()
        griffon = next(row for row in data["results"] if row["slug"] == "griffon")
        assert griffon["languages"]["name"] == "en"
        variant = api.get("/api/v1/systems/griffon/?lang=en").json()["variants"][0]
        assert variant["languages"]["name"] == "en"
        assert variant["name"] == System.objects.get(slug="griffon").variants.first().name_en

    def test_an_unknown_language_is_a_400(self, api):
        response = api.get("/api/v1/partnerships/?lang=de")
        assert response.status_code == 400
        assert "fr, nl, en" in response.json()["error"]["fields"]["lang"][0]

    def test_search_finds_a_record_by_its_dutch_name(self, api):
        data = api.get("/api/v1/partnerships/?search=Gemotoriseerde").json()
        assert [row["slug"] for row in data["results"]] == ["camo"]

    def test_a_write_in_dutch_stores_the_dutch_text_only(self, api, django_user_model):
        user = django_user_model.objects.create_user("translator", is_staff=True)
        user.user_permissions.set(
            Permission.objects.filter(codename__in=["view_programme", "change_programme"])
        )
        api.force_authenticate(django_user_model.objects.get(pk=user.pk))
        programme = factories.programme(name="Programme d'essai", status="draft")
        response = api.patch(
            f"/api/v1/programmes/{programme.slug}/?lang=nl",
            {"name": "Testprogramma"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["name"] == "Testprogramma"
        programme.refresh_from_db()
        assert (programme.name, programme.name_nl) == ("Programme d'essai", "Testprogramma")

    def test_a_record_cannot_be_created_without_its_french_text(self, api, django_user_model):
        user = django_user_model.objects.create_user("writer", is_staff=True)
        user.user_permissions.set(
            Permission.objects.filter(codename__in=["view_programme", "add_programme"])
        )
        api.force_authenticate(django_user_model.objects.get(pk=user.pk))
        response = api.post(
            "/api/v1/programmes/?lang=en",
            {"slug": "english-only", "name": "English only"},
            format="json",
        )
        assert response.status_code == 400
        assert "name" in response.json()["error"]["fields"]
        assert not Programme.objects.filter(slug="english-only").exists()

    def test_the_schema_documents_lang(self, api):
        schema = api.get("/api/schema/?format=json").json()
        operation = schema["paths"]["/api/v1/partnerships/"]["get"]
        lang = next(p for p in operation["parameters"] if p["name"] == "lang")
        assert lang["schema"]["enum"] == ["fr", "nl", "en"]


# Outdated translations and the admin --------------------------------------------------------------


class TestOutdatedTranslations:
    def test_changing_the_french_text_flags_its_translations(self):
        partnership = factories.partnership(name="Nom", summary="Résumé")
        partnership.name_nl, partnership.summary_en = "Naam", "Summary"
        partnership.save()
        assert partnership.outdated_translations == ""
        partnership = Partnership.objects.get(pk=partnership.pk)
        partnership.summary = "Résumé corrigé"
        partnership.save()
        assert partnership.outdated_in("en") == ["summary"]
        assert not partnership.outdated_in("nl")

    def test_updating_the_translation_clears_the_flag(self):
        partnership = factories.partnership(name="Nom")
        partnership.name_nl = "Naam"
        partnership.save()
        partnership = Partnership.objects.get(pk=partnership.pk)
        partnership.name = "Nouveau nom"
        partnership.save()
        assert partnership.is_outdated("name", "nl")
        partnership = Partnership.objects.get(pk=partnership.pk)
        partnership.name_nl = "Nieuwe naam"
        partnership.save()
        assert not partnership.is_outdated("name", "nl")

    def test_the_flag_survives_an_unrelated_save(self):
        partnership = factories.partnership(name="Nom")
        partnership.name_en = "Name"
        partnership.save()
        partnership = Partnership.objects.get(pk=partnership.pk)
        partnership.name = "Autre nom"
        partnership.save()
        partnership = Partnership.objects.get(pk=partnership.pk)
        partnership.acronym = "XX"
        partnership.save()
        assert Partnership.objects.get(pk=partnership.pk).is_outdated("name", "en")


class TestAdmin:
    def test_the_form_shows_french_and_translations_side_by_side(self, admin_client):
        partnership = Partnership.objects.get(slug="camo")
        url = reverse("admin:partnership_partnership_change", args=[partnership.pk])
        html = get(admin_client, url).content.decode()
        row = re.search(r'<div class="form-row[^"]*field-name field-name_nl field-name_en', html)
        assert row, "name, name_nl and name_en are not on one row"
        assert ">Name (French):<" in html and ">Name (Dutch):<" in html

    def test_an_outdated_translation_is_flagged_in_the_form(self, admin_client):
        partnership = factories.partnership(name="Nom")
        partnership.name_nl = "Naam"
        partnership.save()
        partnership = Partnership.objects.get(pk=partnership.pk)
        partnership.name = "Nom modifié"
        partnership.save()
        url = reverse("admin:partnership_partnership_change", args=[partnership.pk])
        html = get(admin_client, url).content.decode()
        assert "Outdated: the French text has changed since this translation was made." in html

    def test_the_filter_lists_records_missing_a_translation(self, admin_client):
        untranslated = factories.system(name="Système sans traduction")
        url = reverse("admin:partnership_system_changelist")
        html = get(admin_client, f"{url}?translation=missing-nl").content.decode()
        assert "Système sans traduction" in html
        assert "Griffon" not in html  # the dataset translates Griffon
        complete = get(admin_client, f"{url}?translation=complete").content.decode()
        assert "Système sans traduction" not in complete
        assert untranslated.pk

    def test_the_filter_lists_outdated_translations_and_the_action_confirms_them(
        self, admin_client
    ):
        system = factories.system(name="Ancien nom")
        system.name_nl = "Oude naam"
        system.save()
        system = System.objects.get(pk=system.pk)
        system.name = "Nouveau nom"
        system.save()
        url = reverse("admin:partnership_system_changelist")
        html = get(admin_client, f"{url}?translation=outdated-nl").content.decode()
        assert "Oude naam" in html or "Nouveau nom" in html
        assert "NL: 1 outdated" in html
        response = admin_client.post(
            url, {"action": "confirm_translations", "_selected_action": [system.pk]}
        )
        assert response.status_code == 302
        assert not System.objects.get(pk=system.pk).is_outdated("name", "nl")
        html = get(admin_client, f"{url}?translation=outdated-nl").content.decode()
        assert "Nouveau nom" not in html

    def test_admin_search_finds_an_english_name(self, admin_client):
        url = reverse("admin:partnership_partnership_changelist")
        html = get(admin_client, f"{url}?q=Motorised+Capability").content.decode()
        assert html.count('name="_selected_action"') == 1
        assert "Capacité Motorisée" in html or "Motorised Capability" in html


# Dataset ------------------------------------------------------------------------------------------


class TestDataset:
    @pytest.mark.parametrize("model", [Partnership, Agreement, Programme, System, Activity])
    def test_names_and_summaries_exist_in_dutch_and_english(self, model):
        name = "title" if model is Agreement else "name"
        for record in model.objects.all():
            for language in TRANSLATION_LANGUAGES:
                assert getattr(record, f"{name}_{language}"), (record.slug, name, language)
                if record.summary:
                    assert getattr(record, f"summary_{language}"), (record.slug, language)

    def test_the_loaded_dataset_has_no_outdated_translation(self):
        for model in [Partnership, Agreement, Programme, System, Activity]:
            assert not model.objects.exclude(outdated_translations="").exists()

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ({"fr": "Nom", "de": "Name"}, "unknown language(s) de"),
            ({"nl": "Naam"}, "the fr text is the reference"),
            ({"fr": "Nom", "nl": ["Naam"]}, "each translation must be a text"),
        ],
    )
    def test_a_bad_translated_value_stops_the_load(self, value, message):
        data = {"tags": [{"slug": "t-bad", "name": value}]}
        with pytest.raises(DatasetError) as error:
            Loader(data).run()
        assert message in str(error.value)
        assert "tags[0].name" in str(error.value)

    def test_a_mapping_on_a_field_that_is_not_translated_stops_the_load(self):
        data = {"tags": [{"slug": {"fr": "a", "nl": "b"}, "name": "x"}]}
        with pytest.raises(DatasetError, match="not translated"):
            Loader(data).run()


def test_links_helper_sees_switcher(client):
    """Guard for the crawl: the switcher's links are ordinary links the crawl follows."""
    html = get(client, "/fr/").content.decode()
    targets = {urlsplit(urljoin("http://testserver/fr/", href)).path for href in links_of(html)}
    assert {"/nl/", "/en/"} <= targets


@pytest.mark.parametrize(
    ("language", "figure"), [("fr", "1\N{NO-BREAK SPACE}000"), ("nl", "1.000"), ("en", "1,000")]
)
def test_numbers_follow_the_page_language(client, language, figure):
    activity = Activity.objects.get(slug="celtic-uprise-2019")
    assert activity.strength == 1000
    # "More than 1,000" in the sources: shown as a bound ("> 1 000"), in the page's digits.
    html = get(client, url_in(activity, language)).content.decode()
    assert re.search(rf">(≥ |&gt; )?{re.escape(figure)}<", html)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_year_filter_keeps_its_plain_value(client, language):
    html = get(client, f"/{language}/activities/?year=2019").content.decode()
    assert 'value="2019"' in html


def json_ld(html):
    return json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    )


def test_structured_data_follows_the_page_language(client):
    organization = Organization.objects.get(slug="belgian-motorised-brigade")
    data = json_ld(get(client, url_in(organization, "nl")).content.decode())
    assert data["name"] == organization.name_nl == "Gemotoriseerde Brigade"
    article = Article.objects.published().exclude(title_en="").first()
    data = json_ld(get(client, url_in(article, "en")).content.decode())
    assert (data["headline"], data["inLanguage"]) == (article.title_en, "en")


@pytest.mark.parametrize(
    ("language", "first", "then"),
    [("fr", "Allemagne", "Belgique"), ("nl", "België", "Duitsland"), ("en", "Belgium", "Germany")],
)
def test_lists_sort_in_the_page_language(client, language, first, then):
    html = get(client, f"/{language}/countries/").content.decode()
    assert html.index(f">{first}<") < html.index(f">{then}<")
