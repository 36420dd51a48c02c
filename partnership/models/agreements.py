"""What was agreed: partnerships and their members, agreements and tranches, programmes."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..dates import PartialDateAccessor, check_order, precision_field
from ..locking import locked
from .actors import Country, Organization, Person
from .base import (
    PUBLISH_PERMISSIONS,
    Fact,
    PublicationQuerySet,
    Publishable,
    Timestamped,
    check_one_of,
    one_of_constraint,
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


ONE_MEMBER = _("Name the member: a country or an organization, not both.")


class Membership(Timestamped, Fact):
    """One period of one member (a country or an organization) in a partnership: a member that
    left and re-joined has a row per period."""

    class Role(models.TextChoices):
        FOUNDING_MEMBER = "founding_member", _("Founding member")
        MEMBER = "member", _("Member")
        LEAD_NATION = "lead_nation", _("Lead nation")
        FRAMEWORK_NATION = "framework_nation", _("Framework nation")
        OBSERVER = "observer", _("Observer")
        JOINED_THROUGH = "joined_through", _("Joined through another member")

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("partnership"),
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("country"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("organization"),
        help_text=_("An international organization, for instance, instead of a country."),
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

    # A membership means nothing without its member: hidden with it.
    publication_requires = ("country", "organization")

    objects = PublicationQuerySet.as_manager()

    # How a record is in a partnership (partnership.scope).
    partnership_links = ("partnership",)

    class Meta:
        ordering = ["partnership", "since", "country__name", "organization__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            one_of_constraint("membership", "country", "organization", ONE_MEMBER),
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
        return f"{self.member} — {self.get_role_display()} ({self.partnership})"

    @property
    def member(self):
        return self.country or self.organization

    @property
    def member_key(self) -> tuple[str, int | None]:
        if self.country_id is not None:
            return ("country", self.country_id)
        return ("organization", self.organization_id)

    def clean(self):
        super().clean()
        check_one_of(self, "country", "organization", ONE_MEMBER)
        check_order(self, "joined", "left")
        if self.through_id and self.through_id == self.country_id:
            raise ValidationError({"through": _("A country cannot join through itself.")})
        # In a formset the other rows are not saved yet: the formset checks them all at once.
        if self.partnership_id and not getattr(self, "_periods_checked_together", False):
            try:
                check_member_periods(self.partnership, [self], replacing=[self.pk])
            except ValidationError as error:
                raise ValidationError({"since": error.messages}) from error


def _bounds(membership) -> tuple[datetime.date, datetime.date]:
    """The period a membership certainly covers: from the last day its start can mean to the
    first day its end can mean (a member that left in "2022" and re-joined in "2022" did not
    overlap). No start: since always; no end: still a member."""
    start = membership.joined.end if membership.since else datetime.date.min
    end = membership.left.value if membership.until else datetime.date.max
    return start, end


def check_member_periods(partnership: Partnership, memberships, *, replacing=()) -> None:
    """Refuse periods of one member in `partnership` that overlap.

    `memberships` are about to be saved, in place of the stored rows whose keys are in
    `replacing` (None for a new row); the partnership's other memberships count as stored. The
    partnership's row is locked first, so two writers are checked one after the other."""
    if partnership.pk:
        locked(Partnership, partnership.pk).values_list("pk").first()
        stored = list(
            Membership._base_manager.filter(partnership=partnership)
            .exclude(pk__in=[pk for pk in replacing if pk is not None])
            .select_related("country", "organization")
        )
    else:
        stored = []
    by_member: dict[tuple, list] = {}
    for membership in [*stored, *memberships]:
        if membership.country_id is None and membership.organization_id is None:
            continue
        by_member.setdefault(membership.member_key, []).append(membership)
    for rows in by_member.values():
        latest_end = None
        for row in sorted(rows, key=_bounds):
            start, end = _bounds(row)
            if latest_end is not None and start < latest_end:
                raise ValidationError(
                    _(
                        "%(member)s is already a member of %(partnership)s over part of this "
                        "period: periods of the same member cannot overlap."
                    )
                    % {"member": row.member, "partnership": partnership}
                )
            latest_end = end if latest_end is None else max(latest_end, end)


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
    organization_parties = models.ManyToManyField(
        Organization,
        blank=True,
        related_name="agreements_party_to",
        verbose_name=_("organizations party to it"),
        help_text=_("International organizations and other parties that are not countries."),
    )
    amount = models.DecimalField(_("value"), max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=currency_choices, default=Currency.EUR
    )
    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)

    signed = PartialDateAccessor("signed_on")
    in_force = PartialDateAccessor("in_force_on")

    # How a record is in a partnership (partnership.scope).
    partnership_links = ("partnership",)

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
    partnerships = models.ManyToManyField(
        Partnership, blank=True, related_name="programmes", verbose_name=_("partnerships")
    )
    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)

    launched = PartialDateAccessor("launched_on")

    # How a record is in a partnership (partnership.scope).
    partnership_links = ("partnerships",)

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

    # How a record is in a partnership (partnership.scope).
    partnership_links = ("programme",)

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
