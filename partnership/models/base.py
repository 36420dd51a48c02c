"""What every public record shares: a publication state, and (for facts) citations and uncertainty."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..dates import PartialDateAccessor, normalize_partial_dates, precision_field
from .i18n import Localizable, Translatable, translations

# Every publishable record type has, besides Django's four, a "publish" permission
# (publish_<model>): publishing, scheduling and withdrawing are reserved to it.
PUBLISH_PERMISSIONS = ("add", "change", "delete", "view", "publish")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def publication_q(model, *, now: datetime.datetime, prefix: str = "") -> Q:
    """The condition for rows of `model` (reached through `prefix`) to be visible to readers
    (derived from the schema: partnership.visibility)."""
    from ..visibility import publication_q as derived

    return derived(model, now=now, prefix=prefix)


class PublicationQuerySet(models.QuerySet):
    def published(self, *, at: datetime.datetime | None = None):
        """Rows readers may see, now or at `at`, with links to hidden records read as empty.
        Every public read goes through here."""
        return self._for_readers(publication_q(self.model, now=at or timezone.now()), at)

    def _for_readers(self, condition, at):
        from ..visibility import ReaderIterable

        rows = self.filter(condition)
        rows._iterable_class = ReaderIterable
        rows._readers_at = at
        return rows

    def prefetch_related(self, *lookups):
        """For readers' rows, a lookup through records that can be hidden prefetches only the
        visible ones (partnership.visibility.readers_prefetches)."""
        from ..visibility import ReaderIterable, readers_prefetches

        if self._iterable_class is ReaderIterable and lookups != (None,):
            lookups = readers_prefetches(
                self.model, lookups, self._prefetch_related_lookups, at=self._readers_at
            )
        return super().prefetch_related(*lookups)

    def _clone(self):
        clone = super()._clone()
        clone._readers_at = getattr(self, "_readers_at", None)
        return clone

    def in_partnership(self, partnership, *, readers: bool = True):
        """Rows in `partnership` (a Partnership or its slug), by the model's
        `partnership_links` (partnership.scope); for readers only through visible records."""
        from ..scope import in_partnership

        return in_partnership(self, partnership, readers=readers)

    def visible_to(self, user):
        """Everything for staff allowed to view this kind of record; published rows for others."""
        if can_view_unpublished(user, self.model):
            return self
        return self.published()

    def readable_by(self, user):
        """What a record's own page may show: what `visible_to` allows, plus withdrawn records,
        which readers see as a notice with the reason instead of a dead link."""
        if can_view_unpublished(user, self.model) or not issubclass(self.model, Publishable):
            return self.visible_to(user)
        now = timezone.now()
        return self._for_readers(
            publication_q(self.model, now=now) | Q(status=Status.WITHDRAWN), None
        )


def can_view_unpublished(user, model) -> bool:
    opts = model._meta
    return bool(
        user is not None
        and user.is_active
        and user.is_staff
        and user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
    )


class Timestamped(Localizable, models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if getattr(self, "_masked_for_readers", False):
            # Read through `published()`, with links to hidden records emptied: saving it
            # would erase those links for good.
            raise ValueError(f"{self!r} was read as readers see it and cannot be saved.")
        super().save(*args, **kwargs)


class Publishable(Timestamped):
    """A record readers see once it is published and its publish-at time has come."""

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_(
            "Leave empty to publish at once; a future time keeps the record hidden until then."
        ),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    withdrawn_reason = models.TextField(
        _("reason for withdrawal"),
        blank=True,
        help_text=_("Shown to readers in place of the record once it is withdrawn."),
    )

    # Nullable links without which the record is hidden (non-nullable ones need no naming:
    # partnership.visibility derives them); any other link to a hidden record reads as empty.
    publication_requires: tuple[str, ...] = ()

    objects = PublicationQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED and (
            self.publish_at is None or self.publish_at <= timezone.now()
        )


class Source(Publishable):
    """A document facts are taken from: a press release, an article, an official page."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("Official page")
        PRESS_RELEASE = "press_release", _("Press release")
        NEWS = "news", _("News article")
        PARLIAMENT = "parliament", _("Parliamentary record")
        BLOG = "blog", _("Blog")
        REFERENCE = "reference", _("Reference work")
        OTHER = "other", _("Other")

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    url_incomplete = models.BooleanField(
        _("URL incomplete"),
        default=False,
        help_text=_("The address is known only in part; it is shown but not linked."),
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NEWS)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    published_on_precision = precision_field(_("precision of the publication date"))
    retrieved_on = models.DateField(_("retrieved on"), null=True, blank=True)
    title_reconstructed = models.BooleanField(
        _("title reconstructed"),
        default=False,
        help_text=_(
            "The document's own title is not known; the one shown was rebuilt from its address."
        ),
    )
    notes = models.TextField(_("notes"), blank=True)

    published = PartialDateAccessor("published_on")

    class Meta:
        default_permissions = PUBLISH_PERMISSIONS
        ordering = ["publisher", "title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.UniqueConstraint(fields=["url"], condition=~Q(url=""), name="source_url_unique"),
        ]

    def __str__(self):
        return f"{self.publisher}: {self.title}" if self.publisher else self.title

    def get_absolute_url(self):
        return reverse("partnership:source", kwargs={"slug": self.slug})

    def clean(self):
        normalize_partial_dates(self)


class Fact(Translatable):
    """A record that states facts, so must cite at least one source. How certain each value is
    lives on that value's claims (`claims`); `uncertainty` explains the doubt in one sentence."""

    uncertainty = models.CharField(
        _("uncertainty note"),
        max_length=300,
        blank=True,
        help_text=_(
            "One sentence on what is uncertain. Mark the uncertain value itself with a claim "
            "(estimate, range, bound, or competing values)."
        ),
    )
    uncertainty_nl, uncertainty_en = translations(uncertainty)
    citations = GenericRelation("partnership.Citation")
    claims = GenericRelation("partnership.Claim")

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        normalize_partial_dates(self)


def period_constraint(model_name: str, start: str, end: str) -> models.CheckConstraint:
    """End not before start. When the end is less precise than the start, clean() checks it."""
    return models.CheckConstraint(
        condition=Q(**{f"{end}__isnull": True})
        | Q(**{f"{start}__isnull": True})
        | Q(**{f"{end}__gte": F(start)})
        | Q(**{f"{end}_precision__lt": F(f"{start}_precision")}),
        name=f"{model_name}_{end}_not_before_{start}",
        violation_error_message=_("The end cannot come before the start."),
    )


def positive_constraint(model_name: str, field: str, *, nullable: bool = False):
    condition = Q(**{f"{field}__gt": 0})
    if nullable:
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(
        condition=condition,
        name=f"{model_name}_{field}_positive",
        violation_error_message=_("The quantity must be positive."),
    )


def one_of_constraint(model_name: str, first: str, second: str, message) -> models.CheckConstraint:
    """Exactly one of two nullable links is set (a country or an organization)."""
    return models.CheckConstraint(
        condition=Q(**{f"{first}__isnull": False, f"{second}__isnull": True})
        | Q(**{f"{first}__isnull": True, f"{second}__isnull": False}),
        name=f"{model_name}_{first}_or_{second}",
        violation_error_message=message,
    )


def check_one_of(instance, first: str, second: str, message) -> None:
    """clean()'s side of `one_of_constraint`, reported on the first field."""
    from django.core.exceptions import ValidationError

    first_set = getattr(instance, f"{first}_id") is not None
    second_set = getattr(instance, f"{second}_id") is not None
    if first_set == second_set:
        raise ValidationError({first: message})
