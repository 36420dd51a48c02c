"""Server-side SVG chart of cumulative deliveries against the quantity ordered, over time.

Plain string building, no chart library and no JavaScript. The site runs under a strict
Content-Security-Policy (`style-src 'self'`), so the markup carries no `style` attribute and no
<style> element: colours and line styles are presentation attributes (fill, stroke,
stroke-dasharray...), which a stylesheet may override through the `chart-*` classes.

The chart is an image for assistive technology (`role="img"` with a title and a description in
words); the same figures come as `Chart.rows` for an HTML table next to it.
"""

from __future__ import annotations

import bisect
import datetime
import hashlib
import itertools
import math
from dataclasses import dataclass, field

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext

from .dates import PartialDate, Precision


@dataclass(frozen=True)
class Series:
    """One line pair of the chart, e.g. one buyer country."""

    label: str
    # (date of the order, quantity): drawn as a dashed step line of the cumulative quantity. A
    # date known to the month or year only is a PartialDate: drawn at its first day, and shown
    # as what is known ("2019", not "1 January 2019").
    ordered: list[tuple[datetime.date | PartialDate, int]]
    # (date of the delivery, quantity, None when it was not disclosed): a solid step line, which
    # stops at the first delivery of undisclosed quantity (the count is unknown from there on).
    delivered: list[tuple[datetime.date | PartialDate, int | None]]
    # False when these deliveries are not followed here: the recorded ones are drawn as markers,
    # with no delivered line and no delivered total.
    tracked: bool = True


@dataclass(frozen=True)
class Chart:
    svg: SafeString
    rows: list[dict]
    title: str
    description: str

    @property
    def series_labels(self) -> list[str]:
        """The series in the order of `row["series"]`, for the table header."""
        return [cell["label"] for cell in self.rows[0]["series"]] if self.rows else []


# Geometry, in viewBox units. Text is at least 12 units high in a 640-wide box.
WIDTH = 640
LEFT = 60  # room for the quantity labels
RIGHT = 56  # room for the final figure at the end of each line
TOP = 36  # room for the caption of the quantity axis
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = 240
PLOT_BOTTOM = TOP + PLOT_HEIGHT
AXIS_LABELS = 28  # below the plot, for the years
LEGEND_ROW = 24
LEGEND_COLUMN = (WIDTH - LEFT) // 2
FONT_SIZE = 13
SMALL_FONT_SIZE = 12

# Colours. Every one used for text has a contrast of at least 4.5:1 on white; lines, at least
# 3:1. The series colours serve for both (the figures at the end of the lines).
INK = "#1b1f24"  # 16.6:1
MUTED = "#4a5360"  # 7.8:1
GRID = "#8a939d"  # 3.1:1
PALETTE = ("#0b4f8a", "#b3261e", "#1e6b34", "#7a4b00", "#6a3d9a", "#005f66")
# Series are told apart by their marker shape as well as by colour.
SHAPES = ("circle", "square", "triangle", "inverted-triangle")
ORDERED_DASHES = "7 4"


def delivery_chart(series: list[Series], *, title: str, today: datetime.date) -> Chart:
    """Chart the cumulative quantity ordered and delivered of each series, up to `today`.

    The time axis runs from the first order (from 1 January of its year) to `today`, or to the
    last date when some order or delivery is planned after it. Series without any order or
    delivery are left out; without any order at all, the chart is empty (`svg` is "").
    """
    timelines = [_Timeline.of(item, index) for index, item in enumerate(series)]
    timelines = [timeline for timeline in timelines if timeline.steps]
    if not any(timeline.ordered_total for timeline in timelines):
        return Chart(
            svg=mark_safe(""),
            rows=[],
            title=title,
            description=gettext("There is nothing to chart: no order is recorded."),
        )
    description = _describe(timelines, today)
    rows = _rows(timelines, today)
    svg = _Drawing(timelines, title, description, today, _chart_id(title, series)).render()
    return Chart(svg=svg, rows=rows, title=title, description=description)


# Figures.


@dataclass
class _Step:
    """The state of one series at the end of one day where something happened."""

    date: datetime.date
    ordered: int = 0  # cumulative
    delivered: int = 0  # cumulative, disclosed quantities only
    undisclosed: int = 0  # cumulative count of deliveries of undisclosed quantity
    ordered_change: int = 0
    delivered_change: int = 0
    undisclosed_change: int = 0
    # How precisely the day is known, for each order or delivery on it.
    precisions: set[int] = field(default_factory=set)

    @property
    def precision(self) -> int:
        return max(self.precisions, default=Precision.DAY)


@dataclass
class _Timeline:
    label: str
    index: int
    steps: list[_Step] = field(default_factory=list)
    tracked: bool = True

    @classmethod
    def of(cls, series: Series, index: int) -> _Timeline:
        by_date: dict[datetime.date, _Step] = {}

        def step_at(when) -> _Step:
            partial = when if isinstance(when, PartialDate) else PartialDate(when, Precision.DAY)
            step = by_date.setdefault(partial.value, _Step(partial.value))
            step.precisions.add(partial.precision)
            return step

        for when, quantity in series.ordered:
            step_at(when).ordered_change += quantity
        for when, quantity in series.delivered:
            step = step_at(when)
            if quantity is None:
                step.undisclosed_change += 1
            else:
                step.delivered_change += quantity
        steps = [by_date[date] for date in sorted(by_date)]
        ordered = delivered = undisclosed = 0
        for step in steps:
            ordered += step.ordered_change
            delivered += step.delivered_change
            undisclosed += step.undisclosed_change
            step.ordered, step.delivered, step.undisclosed = ordered, delivered, undisclosed
        return cls(label=series.label, index=index, steps=steps, tracked=series.tracked)

    def at(self, date: datetime.date) -> _Step:
        """The cumulative state at the end of `date` (all zero before the first step)."""
        position = bisect.bisect_right([step.date for step in self.steps], date)
        return self.steps[position - 1] if position else _Step(date)

    @property
    def last(self) -> _Step:
        return self.steps[-1]

    @property
    def delivered_known(self) -> bool:
        """Whether the delivered total is known: tracked, every quantity disclosed."""
        return self.tracked and not self.last.undisclosed

    @property
    def ordered_total(self) -> int:
        return self.last.ordered

    @property
    def colour(self) -> str:
        return PALETTE[self.index % len(PALETTE)]

    @property
    def shape(self) -> str:
        return SHAPES[self.index % len(SHAPES)]


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def _date(value: datetime.date, precision: int = Precision.DAY) -> str:
    if precision == Precision.DAY:
        return date_format(value, "DATE_FORMAT")
    return PartialDate(value, precision).display()


def _delivered_display(step: _Step, tracked: bool = True) -> str:
    """The cumulative delivered figure, saying when part of it was not disclosed or when the
    deliveries are not tracked."""
    if not tracked:
        if not step.delivered:
            return gettext("not tracked")
        return gettext("not tracked (%(count)s recorded)") % {"count": _number(step.delivered)}
    if not step.undisclosed:
        return _number(step.delivered)
    if not step.delivered:
        return gettext("delivered, number not disclosed")
    return gettext("at least %(count)s (part not disclosed)") % {"count": _number(step.delivered)}


def _changes(step: _Step) -> list[str]:
    """What happened on the day of `step`, in words."""
    changes = []
    if step.ordered_change:
        changes.append(gettext("+%(count)s ordered") % {"count": _number(step.ordered_change)})
    if step.delivered_change:
        changes.append(gettext("+%(count)s delivered") % {"count": _number(step.delivered_change)})
    if step.undisclosed_change:
        changes.append(
            ngettext(
                "delivery, quantity not disclosed",
                "%(count)s deliveries, quantities not disclosed",
                step.undisclosed_change,
            )
            % {"count": step.undisclosed_change}
        )
    return changes


def _rows(timelines: list[_Timeline], today: datetime.date) -> list[dict]:
    dates = sorted({step.date for timeline in timelines for step in timeline.steps})
    rows = []
    for date in dates:
        steps = [timeline.at(date) for timeline in timelines]
        precision = max(
            (step.precision for step in steps if step.date == date), default=Precision.DAY
        )
        cells = []
        for timeline, step in zip(timelines, steps, strict=True):
            changes = _changes(step) if step.date == date else []
            cells.append(
                {
                    "label": timeline.label,
                    "ordered": step.ordered,
                    "delivered": step.delivered,
                    "undisclosed": step.undisclosed,
                    "ordered_display": _number(step.ordered),
                    "delivered_display": _delivered_display(step, timeline.tracked),
                    "changes": changes,
                    "changes_display": "; ".join(changes),
                }
            )
        rows.append(
            {
                "date": date,
                "date_display": _date(date, precision),
                "iso": date.isoformat(),
                "planned": date > today,
                "series": cells,
            }
        )
    return rows


def _describe(timelines: list[_Timeline], today: datetime.date) -> str:
    """One sentence per series: its totals by today, then what is planned after today."""
    sentences = []
    for timeline in timelines:
        now = timeline.at(today)
        figures = {
            "series": timeline.label,
            "ordered": _number(now.ordered),
            "delivered": _number(now.delivered),
            "date": _date(today),
        }
        if not timeline.tracked:
            clauses = [
                gettext(
                    "%(series)s: %(ordered)s ordered by %(date)s; deliveries not tracked here"
                    " (%(delivered)s recorded)"
                )
                % figures
            ]
        elif now.undisclosed and not now.delivered:
            clauses = [
                gettext(
                    "%(series)s: %(ordered)s ordered by %(date)s; deliveries have started, "
                    "number not disclosed"
                )
                % figures
            ]
        else:
            clauses = [
                gettext("%(series)s: %(ordered)s ordered, %(delivered)s delivered by %(date)s")
                % figures
            ]
            if now.undisclosed:
                clauses.append(_undisclosed(now.undisclosed))
        last = timeline.last
        if last.date > today and timeline.tracked:
            clauses.append(
                gettext("planned: %(ordered)s ordered and %(delivered)s delivered by %(date)s")
                % {
                    "ordered": _number(last.ordered),
                    "delivered": _number(last.delivered),
                    "date": _date(last.date, last.precision),
                }
            )
            if last.undisclosed > now.undisclosed:
                clauses.append(_undisclosed(last.undisclosed - now.undisclosed))
        sentences.append("; ".join(clauses) + ".")
    return " ".join(sentences)


def _undisclosed(count: int) -> str:
    return ngettext(
        "plus %(count)s delivery of undisclosed quantity",
        "plus %(count)s deliveries of undisclosed quantity",
        count,
    ) % {"count": _number(count)}


def _chart_id(title: str, series: list[Series]) -> str:
    """An id unique to the chart and stable for the same input: "chart-<slug>-<hash>"."""
    key = repr((title, [(item.label, item.ordered, item.delivered) for item in series]))
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    slug = slugify(title)[:40].strip("-")
    return f"chart-{slug}-{digest}" if slug else f"chart-{digest}"


def nice_maximum(value: int) -> tuple[int, int]:
    """(top, step) of a quantity axis reaching at least `value`, with 4 to 6 labelled lines."""
    value = max(value, 1)
    magnitude = 1
    while True:
        for factor in (1, 2, 2.5, 5):
            step = factor * magnitude
            if step != int(step):
                continue
            step = int(step)
            intervals = math.ceil(value / step)
            if intervals <= 5:
                intervals = max(intervals, 3)
                return intervals * step, step
        magnitude *= 10


# Drawing.


def _n(value: float) -> str:
    """A coordinate: short, never localized."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _tag(name: str, attributes: dict, content: str = "") -> str:
    """An element; `content` must already be markup (escape text first)."""
    pairs = "".join(
        f' {key}="{escape(value)}"' for key, value in attributes.items() if value is not None
    )
    if content:
        return f"<{name}{pairs}>{content}</{name}>"
    return f"<{name}{pairs}/>"


def _text(x: float, y: float, text: str, *, tooltip: str = "", **attributes) -> str:
    """A text element; `class_="a"` gives class="a", `font_size=12` gives font-size="12"."""
    return _tag(
        "text",
        {
            "x": _n(x),
            "y": _n(y),
            **{key.rstrip("_").replace("_", "-"): v for key, v in attributes.items()},
        },
        (_tag("title", {}, escape(tooltip)) if tooltip else "") + escape(text),
    )


def _marker(
    shape: str, x: float, y: float, *, colour: str, hollow: bool, tooltip: str = "", **extra
) -> str:
    size = 4.5
    attributes = {
        "fill": "#ffffff" if hollow else colour,
        "stroke": colour,
        "stroke-width": "1.5",
        **extra,
    }
    if shape == "circle":
        element, geometry = "circle", {"cx": _n(x), "cy": _n(y), "r": _n(size - 0.5)}
    elif shape == "square":
        side = 2 * size - 1.5
        element = "rect"
        geometry = {
            "x": _n(x - side / 2),
            "y": _n(y - side / 2),
            "width": _n(side),
            "height": _n(side),
        }
    else:
        sign = 1 if shape == "triangle" else -1
        element = "path"
        geometry = {
            "d": f"M{_n(x)} {_n(y - sign * (size + 0.5))}"
            f" L{_n(x + size + 0.5)} {_n(y + sign * size * 0.8)}"
            f" L{_n(x - size - 0.5)} {_n(y + sign * size * 0.8)}Z"
        }
    content = _tag("title", {}, escape(tooltip)) if tooltip else ""
    return _tag(element, {**geometry, **attributes}, content)


def _diamond(x: float, y: float, *, colour: str, tooltip: str = "", **extra) -> str:
    size = 6.5
    path = (
        f"M{_n(x)} {_n(y - size)} L{_n(x + size)} {_n(y)} L{_n(x)} {_n(y + size)}"
        f" L{_n(x - size)} {_n(y)}Z"
    )
    content = _tag("title", {}, escape(tooltip)) if tooltip else ""
    return _tag(
        "path",
        {"d": path, "fill": "#ffffff", "stroke": colour, "stroke-width": "2", **extra},
        content,
    )


def _fits(text: str, width: float, font_size: int = FONT_SIZE) -> bool:
    """Whether `text` likely fits in `width`: an average of 0.55 em per character, a little wide."""
    return len(text) * font_size * 0.55 <= width


def _shorten(text: str, width: float, font_size: int = FONT_SIZE) -> str:
    return text[: max(int(width / (font_size * 0.55)) - 1, 1)].rstrip() + "…"


class _Drawing:
    """The SVG markup of one chart."""

    def __init__(self, timelines, title, description, today, chart_id):
        self.timelines = timelines
        self.title = title
        self.description = description
        self.today = today
        self.id = chart_id
        dates = [step.date for timeline in timelines for step in timeline.steps]
        first = min(today, *dates)
        self.end = max(today, *dates)
        # Start on 1 January so the first year is labelled, and a little before the first
        # order so that its step does not hide behind the axis.
        start = first.replace(month=1, day=1)
        span = max((self.end - start).days, 1)
        if start == first:
            start -= datetime.timedelta(days=max(span // 40, 15))
        self.start = start
        # A little room after the end, so that a step on the last day shows.
        self.axis_end = self.end + datetime.timedelta(days=max(span // 50, 7))
        top = max(max(t.last.ordered, t.last.delivered) for t in timelines)
        self.top, self.step = nice_maximum(top)

    def x(self, date: datetime.date) -> float:
        days = (self.axis_end - self.start).days
        return LEFT + PLOT_WIDTH * (date - self.start).days / days

    def y(self, quantity: int) -> float:
        return PLOT_BOTTOM - PLOT_HEIGHT * quantity / self.top

    def render(self) -> SafeString:
        legend, legend_height = self.legend()
        # Every line first, then every marker, so that no line hides a marker.
        lines, markers = zip(*(self.lines(timeline) for timeline in self.timelines), strict=True)
        height = PLOT_BOTTOM + AXIS_LABELS + 12 + legend_height
        parts = [
            _tag("title", {"id": f"{self.id}-title"}, escape(self.title)),
            _tag("desc", {"id": f"{self.id}-desc"}, escape(self.description)),
            self.quantity_axis(),
            self.time_axis(),
            self.today_line(),
            *lines,
            *markers,
            self.end_labels(),
            legend,
        ]
        svg = _tag(
            "svg",
            {
                "xmlns": "http://www.w3.org/2000/svg",
                "class": "chart delivery-chart",
                "id": self.id,
                "role": "img",
                "aria-labelledby": f"{self.id}-title {self.id}-desc",
                "viewBox": f"0 0 {WIDTH} {_n(height)}",
                "width": "100%",
                "preserveAspectRatio": "xMidYMid meet",
                "font-family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
                "font-size": str(FONT_SIZE),
                "fill": INK,
            },
            "".join(part for part in parts if part),
        )
        return mark_safe(svg)  # every text and attribute above is escaped

    def quantity_axis(self) -> str:
        parts = [
            _text(
                LEFT,
                TOP - 16,
                gettext("Cumulative quantity"),
                class_="chart-axis-title",
                fill=MUTED,
                font_size=str(SMALL_FONT_SIZE),
            )
        ]
        for value in range(0, self.top + 1, self.step):
            y = self.y(value)
            parts.append(
                _tag(
                    "line",
                    {
                        "class": "chart-axis" if value == 0 else "chart-grid",
                        "x1": _n(LEFT),
                        "x2": _n(LEFT + PLOT_WIDTH),
                        "y1": _n(y),
                        "y2": _n(y),
                        "stroke": MUTED if value == 0 else GRID,
                        "stroke-width": "1" if value == 0 else "0.6",
                    },
                )
            )
            parts.append(
                _text(
                    LEFT - 8,
                    y + 4.5,
                    _number(value),
                    class_="chart-tick-label chart-quantity-label",
                    text_anchor="end",
                    fill=MUTED,
                    font_size=str(SMALL_FONT_SIZE),
                )
            )
        return _tag("g", {"class": "chart-quantity-axis"}, "".join(parts))

    def time_axis(self) -> str:
        first_year = self.start.year if self.start.month == self.start.day == 1 else None
        first_year = first_year or self.start.year + 1
        years = list(range(first_year, self.end.year + 1))
        every = next(step for step in (1, 2, 5, 10, 20, 50, 100) if len(years) / step <= 12)
        parts = []
        for year in years:
            if year % every:
                continue
            x = self.x(datetime.date(year, 1, 1))
            parts.append(
                _tag(
                    "line",
                    {
                        "class": "chart-tick",
                        "x1": _n(x),
                        "x2": _n(x),
                        "y1": _n(PLOT_BOTTOM),
                        "y2": _n(PLOT_BOTTOM + 5),
                        "stroke": MUTED,
                        "stroke-width": "1",
                    },
                )
            )
            parts.append(
                _text(
                    x,
                    PLOT_BOTTOM + 19,
                    str(year),
                    class_="chart-tick-label chart-year-label",
                    text_anchor="middle",
                    fill=MUTED,
                    font_size=str(SMALL_FONT_SIZE),
                )
            )
        return _tag("g", {"class": "chart-time-axis"}, "".join(parts))

    def today_line(self) -> str:
        """A dotted vertical line at today, when something is planned after it."""
        if self.end <= self.today:
            return ""
        x = self.x(self.today)
        return _tag(
            "line",
            {
                "class": "chart-today",
                "x1": _n(x),
                "x2": _n(x),
                "y1": _n(TOP - 4),
                "y2": _n(PLOT_BOTTOM),
                "stroke": MUTED,
                "stroke-width": "1.5",
                "stroke-dasharray": "2 3",
            },
            _tag("title", {}, escape(gettext("Today, %(date)s") % {"date": _date(self.today)})),
        )

    def lines(self, timeline: _Timeline) -> tuple[str, str]:
        """The two step lines of a series, a marker at each change, a diamond when undisclosed."""
        colour = timeline.colour
        series_class = f"chart-series-{timeline.index}"
        origin = f"M{_n(self.x(timeline.steps[0].date))} {_n(self.y(0))}"
        ordered, delivered, markers = [origin], [origin], []
        # The delivered line stops at the first delivery of undisclosed quantity.
        delivered_open = True

        def tooltip(step: _Step, what: str) -> str:
            return gettext("%(series)s, %(date)s: %(what)s") % {
                "series": timeline.label,
                "date": _date(step.date, step.precision),
                "what": what,
            }

        for step in timeline.steps:
            x = self.x(step.date)
            for kind, change, total, path in (
                ("ordered", step.ordered_change, step.ordered, ordered),
                ("delivered", step.delivered_change, step.delivered, delivered),
            ):
                if not change:
                    continue
                y = self.y(total)
                if kind == "ordered" or delivered_open:
                    path.append(f"H{_n(x)} V{_n(y)}")
                counts = {"count": _number(change), "total": _number(total)}
                what = (
                    gettext("%(count)s ordered, %(total)s in all")
                    if kind == "ordered"
                    else gettext("%(count)s delivered, %(total)s in all")
                ) % counts
                markers.append(
                    _marker(
                        timeline.shape,
                        x,
                        y,
                        colour=colour,
                        hollow=kind == "ordered",
                        tooltip=tooltip(step, what),
                        **{"class": f"chart-marker chart-{kind} {series_class}"},
                    )
                )
            if step.undisclosed_change:
                if delivered_open:
                    delivered.append(f"H{_n(x)}")
                    delivered_open = False
                markers.append(self.undisclosed_annotation(timeline, step, x, tooltip))
        end = f"H{_n(self.x(self.end))}"
        ordered.append(end)
        if delivered_open:
            delivered.append(end)
        line = {"fill": "none", "stroke": colour, "stroke-linejoin": "round"}
        paths = [
            _tag(
                "path",
                {
                    "class": f"chart-line chart-ordered {series_class}",
                    "d": " ".join(ordered),
                    **line,
                    "stroke-width": "2",
                    "stroke-dasharray": ORDERED_DASHES,
                },
            ),
        ]
        if timeline.tracked:
            paths.append(
                _tag(
                    "path",
                    {
                        "class": f"chart-line chart-delivered {series_class}",
                        "d": " ".join(delivered),
                        **line,
                        "stroke-width": "3",
                    },
                )
            )
        return (
            _tag("g", {"class": f"chart-series {series_class}"}, "".join(paths)),
            _tag("g", {"class": f"chart-markers {series_class}"}, "".join(markers)),
        )

    def undisclosed_annotation(self, timeline: _Timeline, step: _Step, x: float, tooltip) -> str:
        """A delivery of undisclosed quantity: a diamond in a band above the plot, a dotted guide
        down to its date and the words "delivered, number not disclosed" (never a point at 0)."""
        y = TOP + 8 + (timeline.index % 4) * 14
        label = gettext("delivered, number not disclosed")
        right_half = x > LEFT + PLOT_WIDTH / 2
        series_class = f"chart-series-{timeline.index}"
        return _tag(
            "g",
            {"class": f"chart-undisclosed {series_class}"},
            _tag(
                "line",
                {
                    "class": "chart-undisclosed-guide",
                    "x1": _n(x),
                    "x2": _n(x),
                    "y1": _n(y),
                    "y2": _n(PLOT_BOTTOM),
                    "stroke": timeline.colour,
                    "stroke-width": "1",
                    "stroke-dasharray": "1 3",
                },
            )
            + _diamond(
                x,
                y,
                colour=timeline.colour,
                tooltip=tooltip(step, label),
                **{"class": f"chart-marker chart-undisclosed {series_class}"},
            )
            + _text(
                x - 10 if right_half else x + 10,
                y + 4,
                label,
                class_="chart-undisclosed-label",
                text_anchor="end" if right_half else "start",
                fill=timeline.colour,
                font_size=str(SMALL_FONT_SIZE),
            ),
        )

    def end_labels(self) -> str:
        """The final figures at the right end of the lines, moved apart so they do not overlap."""
        labels = []
        for timeline in self.timelines:
            last = timeline.last
            labels.append([self.y(last.ordered), _number(last.ordered), timeline, "ordered"])
            if timeline.delivered_known:
                labels.append(
                    [self.y(last.delivered), _number(last.delivered), timeline, "delivered"]
                )
        labels.sort(key=lambda label: label[0])
        gap = SMALL_FONT_SIZE + 2
        for previous, label in itertools.pairwise(labels):
            label[0] = max(label[0], previous[0] + gap)
        labels[-1][0] = min(labels[-1][0], PLOT_BOTTOM)
        for following, label in itertools.pairwise(reversed(labels)):
            label[0] = min(label[0], following[0] - gap)
        x = LEFT + PLOT_WIDTH + 6
        return _tag(
            "g",
            {"class": "chart-end-labels"},
            "".join(
                _text(
                    x,
                    y + 4.5,
                    text,
                    class_=f"chart-end-label chart-{kind} chart-series-{timeline.index}",
                    fill=timeline.colour,
                    font_size=str(SMALL_FONT_SIZE),
                    font_weight="bold" if kind == "delivered" else None,
                )
                for y, text, timeline, kind in labels
            ),
        )

    def legend(self) -> tuple[str, int]:
        """The key: one row per series (ordered, delivered), then the symbols.

        Two columns, or one when a label would not fit in half the width.
        """
        items = []
        for timeline in self.timelines:
            delivered = (
                ("delivered", gettext("%(series)s: delivered"))
                if timeline.tracked
                else ("recorded", gettext("%(series)s: deliveries not tracked, recorded ones only"))
            )
            for kind, label in (("ordered", gettext("%(series)s: ordered")), delivered):
                items.append((timeline, kind, label % {"series": timeline.label}))
        if any(timeline.last.undisclosed for timeline in self.timelines):
            items.append((None, "undisclosed", gettext("Delivered, number not disclosed")))
        if self.end > self.today:
            items.append((None, "today", gettext("Today, %(date)s") % {"date": _date(self.today)}))
        columns = 2 if all(_fits(label, LEGEND_COLUMN - 44) for *_, label in items) else 1
        room = WIDTH - LEFT - 44
        top = PLOT_BOTTOM + AXIS_LABELS + 12
        parts = []
        for position, (timeline, kind, label) in enumerate(items):
            x = LEFT + (position % columns) * LEGEND_COLUMN
            y = top + (position // columns) * LEGEND_ROW + LEGEND_ROW / 2
            parts.append(self.swatch(timeline, kind, x, y))
            shown = label if _fits(label, room) else _shorten(label, room)
            parts.append(
                _text(
                    x + 36,
                    y + 4.5,
                    shown,
                    tooltip=label if shown != label else "",
                    class_="chart-legend-label",
                    fill=INK,
                )
            )
        rows = math.ceil(len(items) / columns)
        return _tag("g", {"class": "chart-legend"}, "".join(parts)), rows * LEGEND_ROW

    def swatch(self, timeline: _Timeline | None, kind: str, x: float, y: float) -> str:
        if kind == "undisclosed":
            return _diamond(x + 14, y, colour=INK, **{"class": "chart-legend-undisclosed"})
        if kind == "today":
            return _tag(
                "line",
                {
                    "class": "chart-legend-today",
                    "x1": _n(x + 14),
                    "x2": _n(x + 14),
                    "y1": _n(y - 8),
                    "y2": _n(y + 8),
                    "stroke": MUTED,
                    "stroke-width": "1.5",
                    "stroke-dasharray": "2 3",
                },
            )
        series_class = f"chart-series-{timeline.index}"
        if kind == "recorded":
            return _marker(
                timeline.shape,
                x + 14,
                y,
                colour=timeline.colour,
                hollow=False,
                **{"class": f"chart-marker chart-delivered {series_class}"},
            )
        line = _tag(
            "line",
            {
                "class": f"chart-line chart-{kind} {series_class}",
                "x1": _n(x),
                "x2": _n(x + 28),
                "y1": _n(y),
                "y2": _n(y),
                "stroke": timeline.colour,
                "stroke-width": "2" if kind == "ordered" else "3",
                "stroke-dasharray": ORDERED_DASHES if kind == "ordered" else None,
            },
        )
        marker = _marker(
            timeline.shape,
            x + 14,
            y,
            colour=timeline.colour,
            hollow=kind == "ordered",
            **{"class": f"chart-marker chart-{kind} {series_class}"},
        )
        return line + marker
