"""Who takes part: countries, organizations (with their hierarchy), people and their appointments."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..dates import PartialDateAccessor, check_order, precision_field
from .base import (
    PUBLISH_PERMISSIONS,
    Fact,
    PublicationQuerySet,
    Publishable,
    Timestamped,
    period_constraint,
)
from .i18n import Translatable, translations
from .vocabularies import OrganizationKind, TermField


class Country(Translatable, Publishable):
    code = models.CharField(
        _("ISO code"), max_length=2, unique=True, help_text=_("ISO 3166-1 alpha-2, e.g. BE.")
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_nl, name_en = translations(name)
    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)

    # How a record is in a partnership (partnership.scope).
    partnership_links = (
        "memberships__partnership",
        "agreements__partnership",
        "orders",
        "order_shares__order",
    )

    class Meta:
        default_permissions = PUBLISH_PERMISSIONS
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2}$"),
                name="country_code_iso_alpha2",
                violation_error_message=_("The code must be two capital letters (ISO 3166-1)."),
            ),
        ]

    def __str__(self):
        return self.t.name

    def get_absolute_url(self):
        return reverse("partnership:country", kwargs={"slug": self.slug})


class Organization(Publishable, Fact):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_nl, name_en = translations(name)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = TermField(
        OrganizationKind, db_column="kind", related_name="organizations", verbose_name=_("kind")
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("country"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    founded_on_precision = precision_field(_("precision of the founding date"))
    location = models.CharField(_("seat or garrison"), max_length=200, blank=True)
    location_nl, location_en = translations(location)
    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)

    founded = PartialDateAccessor("founded_on")

    # How a record is in a partnership (partnership.scope).
    partnership_links = (
        "memberships__partnership",
        "agreements_party_to__partnership",
        "orders_bought",
        "order_shares__order",
        "participations__activity",
        "programmes_led",
        "orders_placed",
        "orders_supplied",
        "deliveries_received__order",
    )

    class Meta:
        default_permissions = PUBLISH_PERMISSIONS
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="organization_not_own_parent",
                violation_error_message=_("An organization cannot be part of itself."),
            ),
        ]

    def __str__(self):
        return f"{self.t.name} ({self.short_name})" if self.short_name else self.t.name

    def get_absolute_url(self):
        return reverse("partnership:organization", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError(
                    {"parent": _("This would make the organization part of itself.")}
                )
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class Person(Publishable, Fact):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=150)
    rank = models.CharField(
        _("rank or title"), max_length=80, blank=True, help_text=_("As last known.")
    )
    rank_nl, rank_en = translations(rank)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("country"),
    )
    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)

    # How a record is in a partnership (partnership.scope).
    partnership_links = (
        "appointments__organization",
        "agreements_signed",
        "quotes",
        "commands__activity",
    )

    class Meta:
        default_permissions = PUBLISH_PERMISSIONS
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return f"{self.t.rank} {self.name}" if self.rank else self.name

    def get_absolute_url(self):
        return reverse("partnership:person", kwargs={"slug": self.slug})


class Appointment(Timestamped, Fact):
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="appointments", verbose_name=_("person")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("organization"),
    )
    title = models.CharField(_("title"), max_length=200)
    title_nl, title_en = translations(title)
    start = models.DateField(_("from"), null=True, blank=True)
    start_precision = precision_field(_("precision of the start"))
    end = models.DateField(_("to"), null=True, blank=True)
    end_precision = precision_field(_("precision of the end"))

    started = PartialDateAccessor("start")
    ended = PartialDateAccessor("end")

    objects = PublicationQuerySet.as_manager()

    # How a record is in a partnership (partnership.scope).
    partnership_links = ("organization",)

    class Meta:
        ordering = ["person", "start", "pk"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            period_constraint("appointment", "start", "end"),
            models.UniqueConstraint(
                fields=["person", "organization", "title"],
                name="appointment_unique_title_per_person_and_organization",
            ),
        ]

    def __str__(self):
        return f"{self.person.name}: {self.t.title}, {self.organization.t.name}"

    def clean(self):
        super().clean()
        check_order(self, "started", "ended")
