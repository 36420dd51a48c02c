import datetime

import pytest
from django.utils import translation

from partnership.dates import PartialDate, Precision
from partnership.models import Event
from tests import factories


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("2019-06-21", datetime.date(2019, 6, 21), Precision.DAY),
        ("2019-06", datetime.date(2019, 6, 1), Precision.MONTH),
        ("2014", datetime.date(2014, 1, 1), Precision.YEAR),
        ("2000s", datetime.date(2000, 1, 1), Precision.DECADE),
    ],
)
def test_parse_and_isoformat_round_trip(text, value, precision):
    partial = PartialDate.parse(text)
    assert (partial.value, partial.precision) == (value, precision)
    assert partial.isoformat() == text


@pytest.mark.parametrize("text", ["2019-13", "19", "2019-06-31", "2001s", "June 2019", ""])
def test_parse_rejects_what_is_not_a_partial_date(text):
    with pytest.raises(ValueError):
        PartialDate.parse(text)


def test_value_is_snapped_to_the_start_of_its_period():
    assert PartialDate(datetime.date(2019, 6, 21), Precision.MONTH).value == datetime.date(
        2019, 6, 1
    )
    assert PartialDate(datetime.date(2007, 6, 21), Precision.DECADE).value == datetime.date(
        2000, 1, 1
    )


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("2024-02", datetime.date(2024, 2, 29)),
        ("2019-06-21", datetime.date(2019, 6, 21)),
        ("2019", datetime.date(2019, 12, 31)),
        ("2000s", datetime.date(2009, 12, 31)),
    ],
)
def test_end_is_the_last_day_of_the_period(text, end):
    assert PartialDate.parse(text).end == end


@pytest.mark.parametrize(
    ("text", "french", "dutch", "english"),
    [
        ("2019-06-21", "21 juin 2019", "21 juni 2019", "21 June 2019"),
        ("2019-06", "juin 2019", "juni 2019", "June 2019"),
        ("2014", "2014", "2014", "2014"),
        ("2000s", "années 2000", "jaren 2000", "2000s"),
    ],
)
def test_display_at_its_precision_in_the_active_language(text, french, dutch, english):
    partial = PartialDate.parse(text)
    with translation.override("fr"):
        assert str(partial) == french
    with translation.override("nl"):
        assert str(partial) == dutch
    with translation.override("en"):
        assert str(partial) == english


def test_sorting_puts_less_precise_dates_first_within_their_period():
    dates = [PartialDate.parse(t) for t in ["2019-06-21", "2019", "2000s", "2019-06", "2018-12-31"]]
    assert [d.isoformat() for d in sorted(dates)] == [
        "2000s",
        "2018-12-31",
        "2019",
        "2019-06",
        "2019-06-21",
    ]


def test_on_the_same_first_day_the_less_precise_date_comes_first():
    """ "2019" names the whole year, so it comes before "January 2019", which comes before its
    first day (a tie on the stored date, broken by precision)."""
    texts = ["2019-01-01", "2019-01", "2019", "2010", "2010s"]
    dates = [PartialDate.parse(t) for t in texts]
    assert [d.isoformat() for d in sorted(dates)] == [
        "2010s",
        "2010",
        "2019",
        "2019-01",
        "2019-01-01",
    ]


@pytest.mark.django_db
def test_database_ordering_matches_partial_date_ordering():
    titles = {"2019-06-21": "day", "2019-06": "month", "2019": "year", "2010s": "decade"}
    for text, title in titles.items():
        record = factories.event(title=f"order-{title}")
        record.when = PartialDate.parse(text)
        record.save()
    ordered = Event.objects.filter(title__startswith="order-").order_by("date", "date_precision")
    assert [e.title for e in ordered] == ["order-decade", "order-year", "order-month", "order-day"]


@pytest.mark.django_db
def test_clean_snaps_a_stored_date_to_its_precision():
    record = factories.event()
    record.date, record.date_precision = datetime.date(2024, 4, 23), Precision.YEAR
    record.full_clean()
    assert record.date == datetime.date(2024, 1, 1)
    assert str(record.when) == "2024"
