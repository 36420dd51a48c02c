"""What was agreed: partnerships and their members, agreements and tranches, programmes."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..dates import PartialDateAccessor, check_order, precision_field
from .actors import Country, Organization, Person
from .base import (
    PUBLISH_PERMISSIONS,
    Fact,
    PublicationQuerySet,
    Publishable,
    Timestamped,
    period_constraint,
)
from .currencies import Currency, currency_choices
from .i18n import translations
from .vocabularies import AgreementKind, TermField


class Partnership(Publishable, Fact):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_nl, name_en = translations(name)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)
    objectives = models.TextField(_("objectives"), blank=True, help_text=_("One per line."))
    objectives_nl, objectives_en = translations(objectives)

    class Meta:
        default_permissions = PUBLISH_PERMISSIONS
        ordering = ["name"]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")

    def __str__(self):
        return self.acronym or self.t.name

    def get_absolute_url(self):
        return reverse("partnership:partnership", kwargs={"slug": self.slug})

    @property
    def objective_list(self) -> list[str]:
        return [line.strip() for line in self.t.objectives.splitlines() if line.strip()]


class Membership(Timestamped, Fact):
    class Role(models.TextChoices):
        FOUNDING_MEMBER = "founding_member", _("Founding member")
        MEMBER = "member", _("Member")
        JOINED_THROUGH = "joined_through", _("Joined through another member")
        OBSERVER = "observer", _("Observer")

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("partnership"),
    )
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("country")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    through = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("through"),
        help_text=_("The member through which this country joined."),
    )
    since = models.DateField(_("since"), null=True, blank=True)
    since_precision = precision_field(_("precision of the start"))
    until = models.DateField(_("until"), null=True, blank=True)
    until_precision = precision_field(_("precision of the end"))

    joined = PartialDateAccessor("since")
    left = PartialDateAccessor("until")

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "since", "country__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "country"], name="membership_unique_country"
            ),
            period_constraint("membership", "since", "until"),
            models.CheckConstraint(
                condition=Q(role="joined_through", through__isnull=False)
                | (~Q(role="joined_through") & Q(through__isnull=True)),
                name="membership_through_only_when_joined_through",
                violation_error_message=_(
                    "Name the member it joined through, and only for that role."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.country} — {self.get_role_display()} ({self.partnership})"

    def clean(self):
        super().clean()
        check_order(self, "joined", "left")
        if self.through_id and self.through_id == self.country_id:
            raise ValidationError({"through": _("A country cannot join through itself.")})


class Agreement(Publishable, Fact):
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name=_("partnership"),
    )
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=300)
    title_nl, title_en = translations(title)
    short_title = models.CharField(_("short title"), max_length=60, blank=True)
    short_title_nl, short_title_en = translations(short_title)
    official_title = models.TextField(_("official title"), blank=True)
    kind = TermField(
        AgreementKind, db_column="kind", related_name="agreements", verbose_name=_("kind")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tranches",
        verbose_name=_("tranche of"),
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_on_precision = precision_field(_("precision of the signature date"))
    signed_at = models.CharField(_("signed at"), max_length=200, blank=True)
    signed_at_nl, signed_at_en = translations(signed_at)
    in_force_on = models.DateField(_("in force on"), null=True, blank=True)
    in_force_on_precision = precision_field(_("precision of the entry-into-force date"))
    signatories = models.ManyToManyField(
        Person, blank=True, related_name="agreements_signed", verbose_name=_("signatories")
    )
    parties = models.ManyToManyField(
        Country, blank=True, related_name="agreements", verbose_name=_("parties")
    )
    amount = models.DecimalField(_("value"), max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=currency_choices, default=Currency.EUR
    )
    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)

    signed = PartialDateAccessor("signed_on")
    in_force = PartialDateAccessor("in_force_on")

    class Meta:
        default_permissions = PUBLISH_PERMISSIONS
        ordering = ["signed_on", "title"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            period_constraint("agreement", "signed_on", "in_force_on"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="agreement_amount_not_negative",
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="agreement_not_own_parent"),
        ]

    def __str__(self):
        return self.t.short_title or self.t.title

    def get_absolute_url(self):
        return reverse("partnership:agreement", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        check_order(self, "signed", "in_force")


class Programme(Publishable, Fact):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_nl, name_en = translations(name)
    launched_on = models.DateField(_("launched on"), null=True, blank=True)
    launched_on_precision = precision_field(_("precision of the launch date"))
    lead_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programmes_led",
        verbose_name=_("lead organization"),
    )
    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)

    launched = PartialDateAccessor("launched_on")

    class Meta:
        default_permissions = PUBLISH_PERMISSIONS
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self):
        return self.t.name

    def get_absolute_url(self):
        return reverse("partnership:programme", kwargs={"slug": self.slug})


class ProgrammeParticipant(Timestamped, Fact):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        PARTNER = "partner", _("Partner")
        USER = "user", _("User")

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="participants",
        verbose_name=_("programme"),
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="programmes",
        verbose_name=_("country"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    joined_on_precision = precision_field(_("precision of the joining date"))

    joined = PartialDateAccessor("joined_on")

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "joined_on", "country__name"]
        verbose_name = _("programme participant")
        verbose_name_plural = _("programme participants")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "country"], name="programme_participant_unique_country"
            ),
        ]

    def __str__(self):
        return f"{self.country} — {self.get_role_display()} ({self.programme})"
