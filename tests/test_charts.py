import datetime
import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation
from django.utils.safestring import SafeString

from partnership.charts import Series, delivery_chart, nice_maximum

SVG = "{http://www.w3.org/2000/svg}"
TODAY = datetime.date(2026, 11, 26)
D = datetime.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def belgium():
    """Two orders and three deliveries, one of them of undisclosed quantity."""
    return Series(
        label="Belgium",
        ordered=[(D(2021, 6, 1), 50), (D(2020, 1, 10), 100)],
        delivered=[(D(2020, 6, 1), 20), (D(2020, 9, 1), None), (D(2021, 9, 1), 30)],
    )


def griffon():
    return [
        Series(
            "Belgium",
            [(D(2018, 11, 7), 382), (D(2025, 12, 30), 92)],
            [(D(2025, 7, 15), None)],
        ),
        Series(
            "France",
            [(D(2017, 4, 21), 319), (D(2020, 9, 15), 271), (D(2022, 5, 11), 302)],
            [(D(2019, 7, 4), 6)],
        ),
    ]


def parse(chart):
    return ET.fromstring(str(chart.svg))


def texts(root, css_class):
    return [
        element.text
        for element in root.iter(f"{SVG}text")
        if css_class in element.get("class", "").split()
    ]


def year_labels(root):
    return [int(text) for text in texts(root, "chart-year-label")]


def quantity_labels(root):
    return [int(re.sub(r"\D", "", text)) for text in texts(root, "chart-quantity-label")]


def contrast(colour):
    def luminance(hex_colour):
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    return 1.05 / (luminance(colour) + 0.05)


def test_the_svg_is_an_accessible_image_without_inline_style_or_script():
    chart = delivery_chart(griffon(), title="Griffon deliveries", today=TODAY)
    markup = str(chart.svg)
    root = parse(chart)

    assert isinstance(chart.svg, SafeString)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox").startswith("0 0 640 ")
    assert root.get("width") == "100%"
    assert root.get("height") is None
    title_id, desc_id = root.get("aria-labelledby").split()
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    assert by_id[title_id].tag == f"{SVG}title"
    assert by_id[title_id].text == "Griffon deliveries"
    assert by_id[desc_id].tag == f"{SVG}desc"
    assert by_id[desc_id].text == chart.description
    assert "style=" not in markup
    assert "<style" not in markup
    assert "<script" not in markup


def test_rows_give_the_cumulative_figures_of_each_date():
    chart = delivery_chart([belgium()], title="Griffon", today=TODAY)

    figures = [
        (row["date"], cell["ordered"], cell["delivered"], cell["undisclosed"])
        for row in chart.rows
        for cell in row["series"]
    ]
    assert figures == [
        (D(2020, 1, 10), 100, 0, 0),
        (D(2020, 6, 1), 100, 20, 0),
        (D(2020, 9, 1), 100, 20, 1),
        (D(2021, 6, 1), 150, 20, 1),
        (D(2021, 9, 1), 150, 50, 1),
    ]
    undisclosed = chart.rows[2]
    assert undisclosed["date_display"] == "Sept. 1, 2020"
    assert undisclosed["series"][0]["changes_display"] == "delivery, quantity not disclosed"
    assert "not disclosed" in undisclosed["series"][0]["delivered_display"]
    assert chart.rows[0]["series"][0]["delivered_display"] == "0"
    assert chart.rows[-1]["series"][0]["changes"] == ["+30 delivered"]
    assert chart.series_labels == ["Belgium"]


def test_rows_have_one_column_per_series_even_before_its_first_order():
    chart = delivery_chart(griffon(), title="Griffon", today=TODAY)

    first = chart.rows[0]
    assert first["date"] == D(2017, 4, 21)
    assert [cell["label"] for cell in first["series"]] == ["Belgium", "France"]
    assert [cell["ordered"] for cell in first["series"]] == [0, 319]
    last = chart.rows[-1]["series"]
    assert (last[0]["ordered"], last[0]["delivered_display"]) == (
        474,
        "delivered, number not disclosed",
    )
    assert (last[1]["ordered"], last[1]["delivered"]) == (892, 6)


def test_an_undisclosed_delivery_is_a_diamond_with_words_not_a_point_at_zero():
    root = parse(delivery_chart([belgium()], title="Griffon", today=TODAY))

    diamonds = [
        element
        for element in root.iter(f"{SVG}path")
        if "chart-undisclosed" in element.get("class", "").split()
        and "chart-marker" in element.get("class", "").split()
    ]
    assert len(diamonds) == 1
    assert diamonds[0].find(f"{SVG}title").text == (
        "Belgium, Sept. 1, 2020: delivered, number not disclosed"
    )
    assert texts(root, "chart-undisclosed-label") == ["delivered, number not disclosed"]
    assert "Delivered, number not disclosed" in texts(root, "chart-legend-label")


def test_an_undisclosed_delivery_stays_off_the_zero_line_and_stops_the_delivered_line():
    """Belgium's Griffon: received on 15 July 2025, number not disclosed. Nothing may read 0."""
    from partnership.charts import PLOT_BOTTOM, TOP

    root = parse(delivery_chart(griffon(), title="Griffon", today=TODAY))

    [diamond] = [
        element
        for element in root.iter(f"{SVG}path")
        if "chart-undisclosed" in element.get("class", "").split()
    ]
    # "M<x> <y> ...": the diamond's top point sits in the band above the plot's lines.
    top_y = float(diamond.get("d").split()[1])
    assert TOP <= top_y < PLOT_BOTTOM - 100
    [belgian_line] = [
        element
        for element in root.iter(f"{SVG}path")
        if {"chart-delivered", "chart-series-0"} <= set(element.get("class", "").split())
        and "chart-line" in element.get("class", "").split()
    ]
    # The line runs at 0 until the delivery, then stops: it does not go on at 0 to today.
    assert belgian_line.get("d").split()[-1] == f"H{diamond.get('d').split()[0][1:]}"
    assert "0" not in texts(root, "chart-end-label")


def test_the_description_states_the_totals():
    chart = delivery_chart(griffon(), title="Griffon", today=TODAY)

    assert chart.description == (
        "Belgium: 474 ordered by Nov. 26, 2026; deliveries have started, number not disclosed. "
        "France: 892 ordered, 6 delivered by Nov. 26, 2026."
    )


def test_deliveries_not_tracked_have_no_delivered_line_nor_total():
    belgium_series, france = griffon()
    france = Series(france.label, france.ordered, france.delivered, tracked=False)
    chart = delivery_chart([belgium_series, france], title="Griffon", today=TODAY)
    root = parse(chart)

    assert "France: 892 ordered by Nov. 26, 2026; deliveries not tracked here (6 recorded)." in (
        chart.description
    )
    assert not [
        element
        for element in root.iter(f"{SVG}path")
        if {"chart-line", "chart-delivered", "chart-series-1"}
        <= set(element.get("class", "").split())
    ]
    # The recorded delivery keeps its marker; no total claims to be France's deliveries.
    assert texts(root, "chart-end-label") == ["892", "474"]
    assert chart.rows[-1]["series"][1]["delivered_display"] == "not tracked (6 recorded)"
    assert "France: deliveries not tracked, recorded ones only" in texts(root, "chart-legend-label")


def test_the_end_of_each_line_shows_its_total():
    root = parse(delivery_chart(griffon(), title="Griffon", today=TODAY))

    # Belgium's delivered total is unknown (a number not disclosed): no figure, not a 0.
    assert sorted(texts(root, "chart-end-label")) == sorted(["474", "892", "6"])


def test_the_quantity_axis_reaches_a_round_number_above_the_total_ordered():
    root = parse(delivery_chart([belgium()], title="Griffon", today=TODAY))

    labels = quantity_labels(root)
    assert labels[0] == 0
    assert max(labels) >= 150
    assert 4 <= len(labels) <= 6
    steps = {b - a for a, b in itertools.pairwise(labels)}
    assert len(steps) == 1


@pytest.mark.parametrize(
    ("total", "top"), [(1, 3), (6, 6), (7, 8), (150, 150), (151, 200), (474, 500), (892, 1000)]
)
def test_nice_maximum_rounds_up_with_four_to_six_lines(total, top):
    maximum, step = nice_maximum(total)

    assert maximum == top
    assert maximum >= total
    assert 4 <= maximum // step + 1 <= 6


def test_years_label_the_time_axis_from_the_first_order_to_today():
    root = parse(delivery_chart(griffon(), title="Griffon", today=TODAY))

    assert year_labels(root) == list(range(2017, 2027))


def test_a_delivery_after_today_extends_the_time_axis():
    planned = Series("Belgium", [(D(2024, 3, 1), 40)], [(D(2029, 5, 1), 40)])
    today = D(2025, 1, 1)

    chart = delivery_chart([planned], title="Griffon", today=today)
    root = parse(chart)

    assert year_labels(root)[-1] == 2029
    assert len(root.findall(f".//{SVG}line[@class='chart-today']")) == 1
    assert "Today, Jan. 1, 2025" in texts(root, "chart-legend-label")
    assert "40 ordered, 0 delivered by Jan. 1, 2025" in chart.description
    assert "planned: 40 ordered and 40 delivered by May 1, 2029" in chart.description
    assert chart.rows[-1]["planned"] is True


def test_an_order_planned_after_today_starts_the_axis_at_today():
    planned = Series("Belgium", [(D(2030, 1, 1), 5)], [])

    chart = delivery_chart([planned], title="Griffon", today=D(2026, 1, 1))
    root = parse(chart)

    assert year_labels(root) == [2026, 2027, 2028, 2029, 2030]
    today = root.find(f".//{SVG}line[@class='chart-today']")
    assert float(today.get("x1")) > float(root.find(f".//{SVG}line[@class='chart-axis']").get("x1"))
    assert chart.description.startswith("Belgium: 0 ordered, 0 delivered by Jan. 1, 2026;")


def test_nothing_to_chart_without_orders():
    for series in ([], [Series("Belgium", [], [])]):
        chart = delivery_chart(series, title="Griffon", today=TODAY)

        assert chart.svg == ""
        assert isinstance(chart.svg, SafeString)
        assert chart.rows == []
        assert chart.series_labels == []
        assert "nothing to chart" in chart.description


def test_a_single_order_without_delivery_still_draws():
    chart = delivery_chart(
        [Series("Belgium", [(D(2025, 12, 30), 92)], [])], title="Griffon", today=TODAY
    )
    root = parse(chart)

    assert len(root.findall(f".//{SVG}path[@class='chart-line chart-ordered chart-series-0']")) == 1
    assert year_labels(root) == [2025, 2026]
    assert [row["series"][0]["ordered"] for row in chart.rows] == [92]
    assert chart.description == "Belgium: 92 ordered, 0 delivered by Nov. 26, 2026."


def test_ordered_and_delivered_differ_by_dashes_and_are_named_in_the_legend():
    root = parse(delivery_chart(griffon(), title="Griffon", today=TODAY))

    lines = {
        element.get("class"): element
        for element in root.iter(f"{SVG}path")
        if "chart-line" in element.get("class", "").split()
    }
    for index in (0, 1):
        assert lines[f"chart-line chart-ordered chart-series-{index}"].get("stroke-dasharray")
        assert not lines[f"chart-line chart-delivered chart-series-{index}"].get("stroke-dasharray")
    assert texts(root, "chart-legend-label")[:4] == [
        "Belgium: ordered",
        "Belgium: delivered",
        "France: ordered",
        "France: delivered",
    ]


def test_text_is_large_enough_and_contrasted():
    root = parse(delivery_chart(griffon(), title="Griffon", today=D(2024, 1, 1)))

    default_size, default_fill = float(root.get("font-size")), root.get("fill")
    for text in root.iter(f"{SVG}text"):
        assert float(text.get("font-size", default_size)) >= 12, text.text
        assert contrast(text.get("fill", default_fill)) >= 4.5, text.text
    for element in root.iter():
        if element.get("stroke") and element.tag in (f"{SVG}path", f"{SVG}line"):
            assert contrast(element.get("stroke")) >= 3, element.get("class")


def test_numbers_follow_the_active_language():
    series = [Series("France", [(D(2020, 1, 1), 1200)], [(D(2021, 1, 1), 1000)])]

    english = quantity_labels_text(delivery_chart(series, title="Griffon", today=TODAY))
    with translation.override("fr"):
        french_chart = delivery_chart(series, title="Griffon", today=TODAY)
    french = quantity_labels_text(french_chart)

    assert "1,000" in english
    assert "1,000" not in french
    assert any(re.fullmatch(r"1\D000", label) for label in french)
    assert "1 janvier 2021" in french_chart.rows[-1]["date_display"]


def quantity_labels_text(chart):
    return texts(parse(chart), "chart-quantity-label")


def test_ids_are_stable_and_distinct_between_charts():
    first = delivery_chart(griffon(), title="Griffon: ordered", today=TODAY)
    again = delivery_chart(griffon(), title="Griffon: ordered", today=D(2027, 1, 1))
    other = delivery_chart(griffon(), title="Serval: ordered", today=TODAY)

    first_id, again_id, other_id = (parse(chart).get("id") for chart in (first, again, other))
    assert first_id == again_id
    assert first_id != other_id
    assert first_id.startswith("chart-griffon-ordered-")
    assert parse(first).get("aria-labelledby") == f"{first_id}-title {first_id}-desc"


def test_labels_and_title_are_escaped():
    series = [Series("<&>", [(D(2020, 1, 1), 10)], [(D(2020, 6, 1), None)])]
    chart = delivery_chart(series, title='Griffon <script>"x"</script>', today=TODAY)
    markup = str(chart.svg)
    root = parse(chart)

    assert "<&>" not in markup
    assert "<script" not in markup
    assert "&lt;&amp;&gt;: ordered" in markup
    assert "<&>: ordered" in texts(root, "chart-legend-label")
    assert root.find(f"{SVG}title").text == 'Griffon <script>"x"</script>'
    assert chart.description.startswith("<&>: 10 ordered")


def test_a_date_known_to_the_year_or_month_is_shown_as_known():
    """An order of 2019 (no month known) is drawn at the start of 2019 but never reads as
    "1 January 2019", in the table, the description or the drawing's titles."""
    from partnership.dates import PartialDate, Precision

    series = Series(
        "Belgium",
        [(PartialDate(D(2019, 1, 1), Precision.YEAR), 10)],
        [(PartialDate(D(2020, 6, 1), Precision.MONTH), 4), (D(2021, 3, 2), 2)],
    )
    chart = delivery_chart([series], title="Years", today=TODAY)
    shown = [row["date_display"] for row in chart.rows]
    assert shown[:2] == ["2019", "June 2020"] and "2021" in shown[2] and "March" in shown[2]
    assert "1 January 2019" not in chart.svg and "1 June 2020" not in chart.svg
    assert "1 January 2019" not in chart.description
