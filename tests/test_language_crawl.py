"""Data strings in the reader's language, checked on every public page of the real dataset.

The site is crawled once per module in French, Dutch and English (feeds aside). A record's text
may reach a reader in another language only as the French stand-in for a missing translation,
marked as such (an element with `lang="fr"` followed by the "not yet translated" badge).
"""

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.test import Client
from django.utils import translation

from partnership.models import (
    Activity,
    Agreement,
    Order,
    Organization,
    Person,
    Quote,
    Source,
    System,
)
from partnership.models.i18n import TRANSLATION_LANGUAGES

from .test_public import crawl

pytestmark = [pytest.mark.django_db, pytest.mark.crawl]

LANGUAGES = ("fr", "nl", "en")
QUOTING = {"q", "blockquote", "cite"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class PageText(HTMLParser):
    """A page's visible text, as runs of text: those in the page's language (`own`), those
    inside an element declaring another language (`marked`), and the `<title>`."""

    def __init__(self, language):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack = []
        self.own, self.marked, self.title = [], [], []
        self.classes = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attributes = dict(attrs)
        self.stack.append((tag, attributes.get("lang"), attributes.get("class") or ""))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        text = " ".join(data.split())
        if not text:
            return
        tags = [tag for tag, _lang, _class in self.stack]
        if "script" in tags or "style" in tags:
            return
        if "title" in tags:
            self.title.append(text)
            return
        langs = [lang for _tag, lang, _class in self.stack[1:] if lang]
        classes = " ".join(css for _tag, _lang, css in self.stack).split()
        run = (text, frozenset(classes))
        # A quotation or a cited title is in its own language whatever the page's.
        quoted = QUOTING.intersection(tags) or "url" in classes
        foreign = langs and langs[-1] != self.language
        (self.marked if foreign or quoted else self.own).append(run)


def read(html, language):
    parser = PageText(language)
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """{language: {path: PageText}} for every public page reachable from /fr/."""
    with django_db_blocker.unblock(), translation.override("en"):
        pages = crawl(Client())
    site = {language: {} for language in LANGUAGES}
    for path, html in pages.items():
        language = path.split("/")[1]
        if language in site:
            site[language][path] = read(html, language)
    assert all(len(paths) > 100 for paths in site.values()), "the crawl missed most of the site"
    return site


def own_text(page, *, skip_classes=()):
    return "\n".join(text for text, classes in page.own if not classes.intersection(skip_classes))


def translated_models():
    return [
        model
        for model in apps.get_app_config("partnership").get_models()
        if getattr(model, "translated_fields", None) and model.translated_fields()
    ]


def french_stand_ins(language):
    """French texts of records that have another text in `language`: {french: (record, field)}.

    A French text equal to its translation (a proper name such as "Griffon") is left out, and so
    is one that is also a translation in `language` of some other text.
    """
    french, own = {}, set()
    for model in translated_models():
        for record in model._base_manager.all():
            for field in model.translated_fields():
                reference = " ".join((getattr(record, field) or "").split())
                translation_ = " ".join((getattr(record, f"{field}_{language}") or "").split())
                own.add(translation_)
                if reference and translation_ and reference != translation_:
                    for paragraph in reference.split("\n"):
                        french.setdefault(paragraph.strip(), (record, field))
    own = "\n".join(own)
    return {text: where for text, where in french.items() if text and not occurs(text, own)}


def occurs(text, haystack):
    """`text` in `haystack` as whole words (a short name must not match inside a longer one)."""
    if len(text) > 30:
        return text in haystack
    return re.search(rf"(?<!\w){re.escape(text)}(?!\w)", haystack) is not None


def without_documents_own_words(text):
    """`text` without the titles and publishers of sources: a document is named in its own
    words, whatever the reader's language."""
    names = {
        name for source in Source.objects.all() for name in (source.title, source.publisher) if name
    }
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(" ".join(name.split()), "")
    return re.sub(r"\S+://\S+", "", text)


# Records' texts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", TRANSLATION_LANGUAGES)
def test_no_french_text_is_shown_unmarked_where_a_translation_exists(site, language):
    """A French text whose translation exists never reaches a Dutch or English page, except
    marked as French (a quotation, a document title in its own language)."""
    stand_ins = french_stand_ins(language)
    # Short texts ("Belgique", "Brigade Motorisée") are checked as whole words; very short ones
    # would match ordinary words.
    stand_ins = {text: where for text, where in stand_ins.items() if len(text) >= 6}
    leaks = []
    for path, page in site[language].items():
        text = without_documents_own_words(own_text(page))
        for french, (record, field) in stand_ins.items():
            if occurs(french, text):
                leaks.append((path, type(record).__name__, field, french))
    assert not leaks, f"{len(leaks)} French texts on {language} pages, e.g. {leaks[:8]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_title_is_in_the_page_language(site, language):
    """`<title>`: an order's title names its buyer and system in the page's language, and no
    title carries the French text of something translated."""
    stand_ins = french_stand_ins(language) if language != "fr" else {}
    wrong = []
    for path, page in site[language].items():
        title = without_documents_own_words(" ".join(page.title))
        for french in stand_ins:
            if len(french) >= 4 and occurs(french, title):
                wrong.append((path, title, french))
    assert not wrong, wrong[:8]
    with translation.override(language):
        for order in Order.objects.published().select_related("buyer", "system"):
            page = site[language][order.get_absolute_url()]
            title = " ".join(page.title)
            assert order.buyer.t.name in title and order.system.t.name in title, (
                order.get_absolute_url(),
                title,
            )


# Fields readers see as words, which need a text per language: (model, field, page of the text).
WORDED_FIELDS = [
    (Person, "rank", lambda person: person),
    (Organization, "location", lambda organization: organization),
    (Activity, "location", lambda activity: activity),
    (Agreement, "signed_at", lambda agreement: agreement),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("model", "field", "page_of"),
    WORDED_FIELDS,
    ids=[f"{m.__name__}.{f}" for m, f, _ in WORDED_FIELDS],
)
def test_ranks_places_and_delivery_texts_are_in_the_page_language(
    site, model, field, page_of, language
):
    """A rank ("Général", "Generaal", "General"), a seat or an area, the place of a signing and
    an expected delivery are shown in the page's language on the record's page."""
    records = model.objects.published().exclude(**{field: ""})
    assert records.exists(), f"the dataset has no {model.__name__}.{field}"
    wrong = []
    for record in records:
        text = record.localized(field, language)
        if text.language != language:
            wrong.append((record.slug, field, str(text)))
            continue
        with translation.override(language):
            path = page_of(record).get_absolute_url()
        if text not in own_text(site[language][path]):
            wrong.append((path, field, str(text)))
    assert not wrong, f"{len(wrong)} texts not in {language}, e.g. {wrong[:8]}"


ENGLISH_RANKS = {"General", "Lieutenant-General", "Brigadier-General", "Major-General"}


@pytest.mark.parametrize(
    ("language", "english"),
    [
        ("fr", ENGLISH_RANKS | {"Ambassador", "Senator"}),
        ("nl", ENGLISH_RANKS | {"Colonel", "Lieutenant-Colonel", "Ambassador"}),
    ],
)
def test_english_ranks_appear_only_on_english_pages(site, language, english):
    """Seen once: "General", "Colonel" on French and Dutch pages."""
    leaks = [
        (path, rank)
        for path, page in site[language].items()
        for rank in english
        if occurs(rank, own_text(page))
    ]
    assert not leaks, leaks[:8]


def test_a_name_is_not_followed_by_a_designation_that_repeats_it(site):
    """Seen once: "CAESAR NG CAESAR Mk II", "Griffon MEPAC MEPAC"."""
    stutters = set()
    for system in System.objects.exclude(designation=""):
        for language in LANGUAGES:
            name = system.localized("name", language)
            first = system.designation.split()[0]
            if occurs(first, name):
                stutters.add(f"{name} {system.designation}")
    assert stutters, "the dataset has no system whose name holds its designation"
    leaks = [
        (path, stutter)
        for pages in site.values()
        for path, page in pages.items()
        for stutter in stutters
        if stutter in own_text(page) or stutter in " ".join(page.title)
    ]
    assert not leaks, leaks[:8]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_source_language_is_named_not_coded(site, language):
    """Seen once: "Langue fr". The source page names the language in the reader's language."""
    names = {"fr": "français", "nl": "Frans", "en": "French"}
    codes = {"fr", "nl", "en", "de", "ro", "pl"}
    raw = [
        (path, text)
        for path, page in site[language].items()
        if path.startswith(f"/{language}/sources/")
        for text, _classes in page.own
        if text in codes
    ]
    assert not raw, raw[:8]
    source = Source.objects.published().filter(language="fr").first()
    with translation.override(language):
        page = site[language][source.get_absolute_url()]
    assert names[language].lower() in [text.lower() for text, _classes in page.own]


def test_a_quote_occasion_follows_no_stray_comma(site):
    """Seen once: ", Quoted in…" after a quote without a date."""
    quotes = Quote.objects.published().exclude(occasion="")
    assert quotes.exists()
    wrong = []
    for language, pages in site.items():
        for quote in quotes:
            occasion = quote.localized("occasion", language)
            for path, page in pages.items():
                runs = [text for text, _classes in page.own + page.marked]
                for before, run in zip(["", *runs], runs, strict=False):
                    if occasion not in run:
                        continue
                    preceding = (before + " " + run.split(occasion)[0]).strip()
                    if preceding.endswith(","):
                        wrong.append((path, preceding[-40:], occasion))
    assert not wrong, wrong[:8]


# Field names -----------------------------------------------------------------------------------


def field_names():
    """Every field name of the domain's models that is a snake_case word (`in_force_on`)."""
    names = set()
    for model in apps.get_app_config("partnership").get_models():
        for field in model._meta.get_fields():
            if "_" in field.name.strip("_"):
                names.add(field.name)
    return names


def field_name_leaks(site, *, skip_classes=()):
    pattern = re.compile(
        r"(?<![\w/.-])(" + "|".join(map(re.escape, field_names())) + r")(?![\w/.-])"
    )
    leaks = []
    for pages in site.values():
        for path, page in pages.items():
            visible = (
                own_text(page, skip_classes=skip_classes)
                + "\n"
                + "\n".join(text for text, _classes in page.marked)
            )
            leaks += [(path, match) for match in pattern.findall(visible)]
    return leaks


def test_no_field_name_anywhere_on_a_public_page(site):
    """A note, a summary or what a source states says "the order date", never `ordered_on`:
    on every page, the sources' lists and the source pages included."""
    leaks = field_name_leaks(site)
    assert not leaks, f"{len(leaks)} field names shown, e.g. {leaks[:8]}"
