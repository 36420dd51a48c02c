"""Value-level provenance: each value shows its own sources and certainty, where it is shown."""

import datetime
import re
from decimal import Decimal

import pytest
import yaml
from django.test import Client
from django.utils import translation

from partnership import timeline
from partnership.loading import DatasetError, Loader
from partnership.models import Agreement, Citation, Claim
from tests import factories

pytestmark = pytest.mark.django_db


def page(record, language="en"):
    with translation.override(language):
        url = record.get_absolute_url()
    response = Client().get(url)
    assert response.status_code == 200
    return response.content.decode()


def facts(html):
    start = html.index('<dl class="facts"')
    return html[start : html.index("</dl>", start)]


def source_numbers(html, source):
    """The footnote number the page gives `source` in its list of sources."""
    found = re.search(r"<li id=\"source-(\d+)\">\s*<a href=\"" + re.escape(source.url) + '"', html)
    assert found, f"{source} is not in the page's sources"
    return found.group(1)


def agreement_with_claims():
    record = factories.agreement(signed_on=datetime.date(2018, 11, 7), amount=Decimal("1500000000"))
    factories.cite(record)
    signed = factories.claim(record, "signed_on", "2018-11-07")
    amount = factories.claim(record, "amount", "1500000000", certainty="estimate")
    other = factories.claim(record, "amount", "1600000000", rank="normal")
    return record, signed, amount, other


class TestReaders:
    def test_a_value_cites_the_sources_of_that_value(self):
        record, signed, amount, _other = agreement_with_claims()
        html = page(record)
        signed_source = signed.citations.get().source
        amount_source = amount.citations.get().source
        dates = facts(html).split("<dt>")[1]
        assert f"#source-{source_numbers(html, signed_source)}" in dates
        assert f"#source-{source_numbers(html, amount_source)}" not in dates

    def test_a_disputed_value_shows_its_competing_claims_with_their_sources(self):
        record, _signed, _amount, other = agreement_with_claims()
        html = page(record)
        other_source = other.citations.get().source
        block = facts(html)
        assert "≈ 1,500,000,000" in block
        disputed = block[block.index('class="disputed"') :]
        assert "1,600,000,000" in disputed
        assert f"#source-{source_numbers(html, other_source)}" in disputed
        assert 'tabindex="0"' in disputed, "competing claims open on keyboard focus too"

    def test_a_dispute_about_one_value_never_marks_the_certain_ones(self):
        """The amount is disputed; the signing date, stated by every source, is not."""
        record, *_ = agreement_with_claims()
        block = facts(page(record))
        signed = block.split("<dt>")[1]
        assert "disputed" not in signed and "≈" not in signed
        entries = [e for e in timeline.build(kinds=["agreement"]) if e.record.pk == record.pk]
        assert entries and not any(entry.is_uncertain for entry in entries)

    def test_a_disputed_date_is_uncertain_on_the_timeline(self):
        event = factories.event(date=datetime.date(2019, 6, 1), date_precision=3)
        factories.cite(event)
        factories.claim(event, "date", "2019-06")
        factories.claim(event, "date", "2019-06-27", rank="normal")
        (entry,) = [e for e in timeline.build(kinds=["event"]) if e.record.pk == event.pk]
        assert entry.is_uncertain
        html = page(event)
        assert "27 June 2019" in html[html.index('class="disputed"') :]

    def test_a_range_and_a_lower_bound_read_as_such(self):
        activity = factories.activity(strength=1000)
        factories.cite(activity)
        factories.claim(activity, "strength", "1000", upper="1200", certainty="range")
        assert "≈ 1,000–1,200" in page(activity)
        Claim.objects.filter(field="strength").update(upper="", certainty="at_least")
        assert "≥ 1,000" in page(activity)
        Claim.objects.filter(field="strength").update(certainty="more_than")
        assert "&gt; 1,000" in page(activity)

    def test_the_sources_section_says_what_each_source_states_in_words(self):
        record, *_ = agreement_with_claims()
        for language, label in (("en", "Signed on"), ("fr", "Signé le")):
            html = page(record, language)
            sources = html[html.index('class="source-list"') :]
            assert label in sources
            assert "signed_on" not in html and "claimed_value" not in html

    def test_a_competing_value_shows_before_any_value_is_preferred(self):
        """A curator adds a rival value before deciding which one to prefer: readers see the
        record's value, disputed, with the rival and its source."""
        activity = factories.activity(strength=1000)
        factories.cite(activity)
        rival = factories.claim(activity, "strength", "1100", rank="normal")
        html = page(activity)
        disputed = html[html.index('class="disputed"') :]
        assert "1,100" in disputed
        assert f"#source-{source_numbers(html, rival.citations.get().source)}" in disputed
        assert "1,000" in facts(html)

    def test_the_sources_section_gives_where_and_in_what_words_a_source_says_it(self):
        record, signed, *_ = agreement_with_claims()
        Citation.objects.filter(claim=signed).update(locator="§2", excerpt="signé le 7 novembre")
        whole = Citation.objects.get(
            object_id=record.pk, claim=None, content_type__model="agreement"
        )
        whole.locator = "p. 4"
        whole.save()
        html = page(record)
        sources = html[html.index('class="source-list"') :]
        assert "(§2)" in sources and "signé le 7 novembre</q>" in sources
        assert "Cited passage: <span" in sources and "(p. 4)" in sources

    def test_a_value_of_another_record_on_the_page_says_which_record_it_is_of(self):
        """An agreement's page lists its orders: a source stating an order's quantity names the
        order, or "Quantity ordered: 382; Quantity ordered: 60" could be of either."""
        record, *_ = agreement_with_claims()
        order = factories.order(agreement=record, quantity=382)
        factories.cite(order)
        factories.claim(order, "quantity", "382")
        html = page(record)
        sources = html[html.index('class="source-list"') :]
        assert f"{order} — Quantity ordered: 382" in sources
        assert f"{record} — " not in sources, "the page's own record needs no name"


class TestDataset:
    def load(self, text):
        return Loader(yaml.safe_load(text)).run()

    BASE = """
sources:
  - {slug: s1, title: One, url: "https://example.org/claims-1"}
  - {slug: s2, title: Two, url: "https://example.org/claims-2"}
partnerships:
  - {slug: claimed, name: Claimed, sources: [s1]}
agreements:
  - slug: claimed-1
    partnership: claimed
    title: CaMo 1
    kind: intergovernmental_agreement
    signed_on: {value: "2018-11-07", sources: [{source: s1, locator: "§2", excerpt: "signé le 7 novembre"}]}
    amount:
      value: "1500000000"
      certainty: %(certainty)s
      reason: {fr: "Chiffre de la DGA", nl: "Cijfer van de DGA", en: "The DGA's figure"}
      sources: [s1]
      others:
        - {value: "1600000000", rank: normal, sources: [s2]}
    sources: [s1]
"""

    def test_a_cited_value_is_loaded_as_a_claim_with_its_certainty_and_rivals(self):
        self.load(self.BASE % {"certainty": "estimate"})
        record = Agreement.objects.get(slug="claimed-1")
        assert record.amount == Decimal("1500000000")
        preferred = record.claims.get(field="amount", rank="preferred")
        assert preferred.certainty == "estimate" and preferred.reason_en == "The DGA's figure"
        rival = record.claims.get(field="amount", rank="normal")
        assert rival.value == "1600000000"
        assert [c.source.slug for c in rival.citations.all()] == ["s2"]
        signed = record.claims.get(field="signed_on").citations.get()
        assert (signed.locator, signed.excerpt) == ("§2", "signé le 7 novembre")
        assert record.citations.filter(claim=None).count() == 1

    def test_a_second_load_changes_nothing_and_a_dropped_claim_goes(self):
        self.load(self.BASE % {"certainty": "estimate"})
        claims = Agreement.objects.get(slug="claimed-1").claims
        before = sorted(claims.values_list("field", "value", "rank", "certainty"))
        self.load(self.BASE % {"certainty": "estimate"})
        assert sorted(claims.values_list("field", "value", "rank", "certainty")) == before
        without_rival = (
            (self.BASE % {"certainty": "exact"})
            .replace('        - {value: "1600000000", rank: normal, sources: [s2]}\n', "")
            .replace("      others:\n", "")
        )
        self.load(without_rival)
        assert not claims.filter(value="1600000000").exists()
        assert not Citation.objects.filter(source__slug="s2").exists()
        assert claims.get(field="amount").certainty == "exact"

    @pytest.mark.parametrize(
        "bad, message",
        [
            ("certainty: sure", "certainty must be one of"),
            ("certainty: estimate\n      rank: normal", "rank must be one of"),
        ],
    )
    def test_a_bad_claim_is_refused_and_nothing_changes(self, bad, message):
        text = (self.BASE % {"certainty": "estimate"}).replace("certainty: estimate", bad)
        with pytest.raises(DatasetError, match=message):
            self.load(text)
        assert not Agreement.objects.filter(slug="claimed-1").exists()
        assert not Claim.objects.filter(citations__source__slug__in=["s1", "s2"]).exists()

    def test_a_claim_about_a_text_in_our_own_words_is_refused(self):
        text = (self.BASE % {"certainty": "estimate"}).replace(
            "  - {slug: claimed, name: Claimed, sources: [s1]}",
            "  - slug: claimed\n    name: Claimed\n    sources: [s1, {source: s2, field: summary}]",
        )
        with pytest.raises(DatasetError, match="not a value a source can be cited for"):
            self.load(text)

    def test_a_source_item_naming_a_field_ranks_by_whether_it_restates_the_value(self):
        """The older spelling: an item stating the record's own value cites the preferred
        claim; one stating another value is a competing claim."""
        text = (self.BASE % {"certainty": "estimate"}).removesuffix("    sources: [s1]\n") + (
            "    sources:\n"
            "      - s1\n"
            '      - {source: s1, field: signed_on, value: "2018-11-07"}\n'
            '      - {source: s2, field: signed_on, value: "2018-11-08"}\n'
        )
        text = text.replace(
            '    signed_on: {value: "2018-11-07", sources: '
            '[{source: s1, locator: "§2", excerpt: "signé le 7 novembre"}]}',
            '    signed_on: "2018-11-07"',
        )
        self.load(text)
        claims = Agreement.objects.get(slug="claimed-1").claims.filter(field="signed_on")
        assert dict(claims.values_list("value", "rank")) == {
            "2018-11-07": "preferred",
            "2018-11-08": "normal",
        }
