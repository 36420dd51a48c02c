"""What the armies did together: exercises, operations, missions, and who took part."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
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
    positive_constraint,
)
from .i18n import Translatable, translations


class Place(Translatable, Timestamped):
    """A named location with approximate coordinates (a gazetteer entry, not a claim)."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=150)
    name_nl, name_en = translations(name)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="places", verbose_name=_("country")
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )

    objects = PublicationQuerySet.as_manager()

    class Meta:
        # A shared reference readers see: changing one in use is reviewed like a record.
        default_permissions = PUBLISH_PERMISSIONS
        ordering = ["name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="place_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="place_longitude_range",
            ),
        ]

    def __str__(self):
        return f"{self.t.name} ({self.country.code})"


class ActivityQuerySet(PublicationQuerySet):
    # An activity is in a country when it is hosted there or a participant comes from it.
    COUNTRY_LINKS = ("country", "participations__country", "participations__organization__country")

    def in_country(self, country, *, readers=True):
        """Activities in `country` (a Country or an ISO code); for readers only through the
        participations and organizations they may see."""
        from ..visibility import link_visible

        now = timezone.now()
        condition = Q()
        for link in self.COUNTRY_LINKS:
            if isinstance(country, str):
                match = Q(**{f"{link}__code__iexact": country})
            else:
                match = Q(**{link: country})
            if readers:
                match &= link_visible(link, self.model, now=now)
            condition |= match
        return self.filter(condition).distinct()


class Activity(Publishable, Fact):
    class Kind(models.TextChoices):
        EXERCISE = "exercise", _("Exercise")
        OPERATION = "operation", _("Operation")
        MISSION = "mission", _("Mission")
        DEPLOYMENT = "deployment", _("Deployment")
        TRAINING = "training", _("Training")

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_nl, name_en = translations(name)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="editions",
        verbose_name=_("part of"),
        help_text=_("The series or operation this edition or rotation belongs to."),
    )
    edition = models.CharField(_("edition"), max_length=60, blank=True)
    start = models.DateField(_("start"), null=True, blank=True)
    start_precision = precision_field(_("precision of the start"))
    end = models.DateField(_("end"), null=True, blank=True)
    end_precision = precision_field(_("precision of the end"))
    place = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("place"),
    )
    location = models.CharField(_("area"), max_length=300, blank=True)
    location_nl, location_en = translations(location)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities_hosted",
        verbose_name=_("host country"),
    )
    strength = models.PositiveIntegerField(_("personnel"), null=True, blank=True)
    partnerships = models.ManyToManyField(
        "partnership.Partnership",
        blank=True,
        related_name="activities",
        verbose_name=_("partnerships"),
    )
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)

    started = PartialDateAccessor("start")
    ended = PartialDateAccessor("end")

    objects = ActivityQuerySet.as_manager()

    # How a record is in a partnership (partnership.scope).
    partnership_links = ("partnerships",)

    class Meta:
        default_permissions = PUBLISH_PERMISSIONS
        ordering = ["start", "name"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            period_constraint("activity", "start", "end"),
            positive_constraint("activity", "strength", nullable=True),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="activity_not_own_parent"),
        ]

    def __str__(self):
        return self.t.name

    def get_absolute_url(self):
        return reverse("partnership:activity", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        check_order(self, "started", "ended")


class Participation(Timestamped, Fact):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        PARTICIPANT = "participant", _("Participant")
        HOST = "host", _("Host")
        OPPOSING_FORCE = "opposing_force", _("Opposing force")
        SUPPORT = "support", _("Support")
        OBSERVER = "observer", _("Observer")

    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        related_name="participations",
        verbose_name=_("activity"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participations",
        verbose_name=_("organization"),
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participations",
        verbose_name=_("country"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    strength = models.PositiveIntegerField(_("personnel"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    description_nl, description_en = translations(description)
    commander = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commands",
        verbose_name=_("commander"),
    )

    # A participation means nothing without its participant: hidden with it (the commander,
    # when hidden, is only left out).
    publication_requires = ("organization", "country")

    objects = PublicationQuerySet.as_manager()

    # How a record is in a partnership (partnership.scope).
    partnership_links = ("activity",)

    class Meta:
        ordering = ["activity", "role", "pk"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | Q(country__isnull=False),
                name="participation_has_participant",
                violation_error_message=_("Name the participating organization or country."),
            ),
            positive_constraint("participation", "strength", nullable=True),
        ]

    def __str__(self):
        return f"{self.participant} — {self.get_role_display()} ({self.activity})"

    @property
    def participant(self):
        return self.organization or self.country

    def clean(self):
        super().clean()
        if not self.organization_id and not self.country_id:
            raise ValidationError(_("Name the participating organization or country."))
