"""Provenance: what a record's values rest on.

A *claim* is one value of one field of a record (a date, a quantity, an amount, a place, a
status, the holder of an office) as the sources state it, with its own certainty. When sources
disagree, each competing value is a claim of its own, ranked as Wikidata ranks statements: the
*preferred* claim is the value the record shows, *normal* claims are credible alternatives,
*deprecated* ones are known to be wrong, each with the reason for its rank.

A *citation* ties a source to a record: to the whole record when it names no claim, or to one
claim (one value) of it, with where in the source and in what words it says so.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import Source
from .i18n import Translatable, translations


class Certainty(models.TextChoices):
    EXACT = "exact", _("Exact")
    ESTIMATE = "estimate", _("Estimate")
    RANGE = "range", _("Range")
    AT_LEAST = "at_least", _("At least")
    AT_MOST = "at_most", _("At most")
    MORE_THAN = "more_than", _("More than")
    LESS_THAN = "less_than", _("Less than")


class Rank(models.TextChoices):
    PREFERRED = "preferred", _("Preferred")
    NORMAL = "normal", _("Normal")
    DEPRECATED = "deprecated", _("Deprecated")


class Claim(Translatable):
    """One value of one field of a record, as its citations state it."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    field = models.CharField(
        _("value of"), max_length=60, help_text=_("The field of the record this value is for.")
    )
    value = models.CharField(
        _("value stated"),
        max_length=200,
        help_text=_(
            "As the sources state it: a date as 2019-06-21, 2019-06 or 2019, a number in "
            "digits; the lower bound of a range."
        ),
    )
    upper = models.CharField(
        _("upper bound"), max_length=200, blank=True, help_text=_("For a range only.")
    )
    certainty = models.CharField(
        _("certainty"), max_length=10, choices=Certainty.choices, default=Certainty.EXACT
    )
    rank = models.CharField(
        _("rank"),
        max_length=10,
        choices=Rank.choices,
        default=Rank.PREFERRED,
        help_text=_(
            "Preferred: the value shown. Normal: a credible value other sources give. "
            "Deprecated: a value known to be wrong."
        ),
    )
    reason = models.CharField(
        _("reason for the rank"),
        max_length=300,
        blank=True,
        help_text=_("Why this value is preferred over the others, or set aside."),
    )
    reason_nl, reason_en = translations(reason)

    class Meta:
        ordering = ["content_type", "object_id", "field", "pk"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "field", "value"],
                name="claim_unique_value_per_field",
                violation_error_message=_("This value is already claimed for this field."),
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "field"],
                condition=Q(rank="preferred"),
                name="claim_one_preferred_per_field",
                violation_error_message=_("A field has one preferred value at most."),
            ),
            models.CheckConstraint(
                condition=~Q(certainty="range") | ~Q(upper=""),
                name="claim_range_has_upper_bound",
                violation_error_message=_("A range needs its upper bound."),
            ),
        ]

    def __str__(self):
        return f"{self.field}: {self.value}" + (f"–{self.upper}" if self.upper else "")

    def clean(self):
        super().clean()
        if self.certainty != Certainty.RANGE and self.upper:
            raise ValidationError({"upper": _("Only a range has an upper bound.")})
        if self.content_type_id and self.field:
            from ..claims import claimable_fields

            model = self.content_type.model_class()
            if self.field not in claimable_fields(model):
                raise ValidationError(
                    {"field": _("This kind of record has no value by that name to cite.")}
                )

    @property
    def is_disputing(self) -> bool:
        return self.rank == Rank.NORMAL


class Citation(models.Model):
    """One source backing one record: the whole of it, or one claim (one value) of it."""

    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="citations", verbose_name=_("source")
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    claim = models.ForeignKey(
        Claim,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
        verbose_name=_("claim"),
        help_text=_("The value this source states; empty when it backs the whole record."),
    )
    locator = models.CharField(_("page or section"), max_length=100, blank=True)
    excerpt = models.TextField(_("excerpt"), max_length=600, blank=True)

    class Meta:
        ordering = ["content_type", "object_id", "claim", "pk"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "source", "claim"],
                name="citation_unique_claim_per_source",
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "source"],
                condition=Q(claim__isnull=True),
                name="citation_unique_record_source",
            ),
        ]

    def __str__(self):
        return f"{self.source} ({self.claim})" if self.claim_id else str(self.source)

    def clean(self):
        super().clean()
        if self.claim_id and (
            self.claim.content_type_id != self.content_type_id
            or self.claim.object_id != self.object_id
        ):
            raise ValidationError({"claim": _("This claim is about another record.")})
