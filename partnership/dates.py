"""Partial dates: a date known to the day, the month, the year or only the decade.

A partial date is stored as two columns: the first day of the period it names (`<name>`) and its
precision (`<name>_precision`). Sorting on (date, precision) puts "2019" before "June 2019" before
"21 June 2019", and filtering on the date column works for every precision.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import total_ordering

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext


class Precision(models.IntegerChoices):
    # The order matters: a less precise date sorts before a more precise one on the same day.
    DECADE = 1, _("decade")
    YEAR = 2, _("year")
    MONTH = 3, _("month")
    DAY = 4, _("day")


_PATTERN = re.compile(
    r"^(?:(?P<decade>\d{3}0)s|(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?)$"
)

# The notation exactly, as an API client must write it: what _PATTERN reads, with the months
# and days a calendar has and no surrounding space (the schema publishes it).
PARTIAL_DATE_PATTERN = (
    r"^(?:[1-9]\d{2}0s|[1-9]\d{3}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?)$"
)


@total_ordering
@dataclass(frozen=True)
class PartialDate:
    value: datetime.date
    precision: Precision

    def __post_init__(self):
        object.__setattr__(self, "precision", Precision(self.precision))
        object.__setattr__(self, "value", truncate(self.value, self.precision))

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read "2019-06-21", "2019-06", "2019" or "2000s"."""
        match = _PATTERN.match(str(text).strip())
        if not match:
            raise ValueError(
                f"{text!r} is not a partial date (YYYY-MM-DD, YYYY-MM, YYYY or YYY0s)."
            )
        if match["decade"]:
            return cls(datetime.date(int(match["decade"]), 1, 1), Precision.DECADE)
        year, month, day = match["year"], match["month"], match["day"]
        if day:
            return cls(datetime.date(int(year), int(month), int(day)), Precision.DAY)
        if month:
            return cls(datetime.date(int(year), int(month), 1), Precision.MONTH)
        return cls(datetime.date(int(year), 1, 1), Precision.YEAR)

    @property
    def end(self) -> datetime.date:
        """The last day of the period the date names."""
        value = self.value
        if self.precision == Precision.DAY:
            return value
        if self.precision == Precision.MONTH:
            following = value.replace(day=28) + datetime.timedelta(days=4)
            return following - datetime.timedelta(days=following.day)
        if self.precision == Precision.YEAR:
            return value.replace(month=12, day=31)
        return datetime.date(value.year + 9, 12, 31)

    @property
    def precision_name(self) -> str:
        return self.precision.name.lower()

    def isoformat(self) -> str:
        if self.precision == Precision.DAY:
            return self.value.isoformat()
        if self.precision == Precision.MONTH:
            return self.value.strftime("%Y-%m")
        if self.precision == Precision.YEAR:
            return str(self.value.year)
        return f"{self.value.year}s"

    def display(self) -> str:
        """The date in the active language, at its precision: "21 juin 2019", "juin 2019"..."""
        if self.precision == Precision.DAY:
            return formats.date_format(self.value, "j F Y")
        if self.precision == Precision.MONTH:
            return formats.date_format(self.value, "YEAR_MONTH_FORMAT")
        if self.precision == Precision.YEAR:
            return str(self.value.year)
        return pgettext("decade", "%(decade)ss") % {"decade": self.value.year}

    def __str__(self) -> str:
        return self.display()

    def sort_key(self) -> tuple[datetime.date, int]:
        return (self.value, int(self.precision))

    def __lt__(self, other: PartialDate) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self.sort_key() < other.sort_key()


def truncate(value: datetime.date, precision: int) -> datetime.date:
    """The first day of the period of `precision` that contains `value`."""
    if precision == Precision.DAY:
        return value
    if precision == Precision.MONTH:
        return value.replace(day=1)
    if precision == Precision.YEAR:
        return value.replace(month=1, day=1)
    return datetime.date(value.year - value.year % 10, 1, 1)


def precision_field(verbose_name) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name, choices=Precision.choices, default=Precision.DAY
    )


class PartialDateAccessor:
    """Model attribute reading and writing the pair `<name>` / `<name>_precision` as a PartialDate.

    Declare the two fields, then `signed = PartialDateAccessor("signed_on")`.
    """

    def __init__(self, field_name: str):
        self.field_name = field_name
        self.precision_name = f"{field_name}_precision"
        # Lets the admin list the accessor as a column sorted on the date.
        self.admin_order_field = field_name

    def __set_name__(self, owner, name):
        self.owner = owner

    @property
    def short_description(self):
        return self.owner._meta.get_field(self.field_name).verbose_name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = getattr(instance, self.field_name)
        if value is None:
            return None
        return PartialDate(value, getattr(instance, self.precision_name))

    def __set__(self, instance, partial: PartialDate | None):
        setattr(instance, self.field_name, partial.value if partial else None)
        if partial:
            setattr(instance, self.precision_name, partial.precision)


def normalize_partial_dates(instance) -> None:
    """Snap every partial date of `instance` to the first day of its period (run in clean())."""
    for accessor in partial_date_accessors(type(instance)):
        value = getattr(instance, accessor.field_name)
        if value is not None:
            setattr(
                instance,
                accessor.field_name,
                truncate(value, getattr(instance, accessor.precision_name)),
            )


def partial_date_accessors(model) -> list[PartialDateAccessor]:
    return [
        attr
        for klass in model.__mro__
        for attr in vars(klass).values()
        if isinstance(attr, PartialDateAccessor)
    ]


def check_order(instance, start: str, end: str) -> None:
    """Raise a ValidationError on `end` when the period ends before it starts."""
    first, last = getattr(instance, start), getattr(instance, end)
    if first is not None and last is not None and last.end < first.value:
        raise ValidationError({end: _("The end cannot come before the start.")})
