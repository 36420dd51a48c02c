"""What is planned, kept apart from what happened.

A delivery row says vehicles were handed over; a milestone says they are expected. A milestone
stays a plan until it is met: it then points at the delivery that met it, and readers see it
among the facts, no longer among the plans.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..dates import PartialDateAccessor, precision_field
from .base import Fact, PublicationQuerySet, Timestamped, period_constraint, positive_constraint
from .equipment import Delivery, Order
from .i18n import translations


class Milestone(Timestamped, Fact):
    """A planned step of an order: its first or last delivery, a batch, an entry into service."""

    class Kind(models.TextChoices):
        FIRST_DELIVERY = "first_delivery", _("First delivery")
        DELIVERIES = "deliveries", _("Deliveries")
        LAST_DELIVERY = "last_delivery", _("Last delivery")
        SERVICE_ENTRY = "service_entry", _("Entry into service")
        FULL_CAPABILITY = "full_capability", _("Full operational capability")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("order")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    planned_on = models.DateField(_("planned for"))
    planned_on_precision = precision_field(_("precision of the planned date"))
    planned_until = models.DateField(
        _("planned until"),
        null=True,
        blank=True,
        help_text=_("For a plan over a period (deliveries 2025–2031): its end."),
    )
    planned_until_precision = precision_field(_("precision of the end of the period"))
    quantity = models.PositiveIntegerField(_("quantity planned"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)
    met_by = models.ForeignKey(
        Delivery,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="milestones_met",
        verbose_name=_("met by"),
        help_text=_("The delivery that made this plan a fact, once it happened."),
    )

    planned = PartialDateAccessor("planned_on")
    until = PartialDateAccessor("planned_until")

    objects = PublicationQuerySet.as_manager()

    # How a record is in a partnership (partnership.scope).
    partnership_links = ("order",)

    class Meta:
        ordering = ["order", "planned_on", "pk"]
        verbose_name = _("planned milestone")
        verbose_name_plural = _("planned milestones")
        constraints = [
            positive_constraint("milestone", "quantity", nullable=True),
            period_constraint("milestone", "planned_on", "planned_until"),
        ]

    def __str__(self):
        period = f"{self.planned}–{self.until}" if self.planned_until else str(self.planned)
        return f"{self.get_kind_display()}: {period}"

    @property
    def is_met(self) -> bool:
        return self.met_by_id is not None

    def clean(self):
        super().clean()
        if self.met_by_id and self.order_id and self.met_by.order_id != self.order_id:
            raise ValidationError({"met_by": _("This delivery belongs to another order.")})
