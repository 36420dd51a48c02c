"""What was said and published: news articles and their links, quotes, and dated events."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..dates import PartialDateAccessor, check_order, precision_field
from .activities import Place
from .actors import Country, Person
from .agreements import Partnership
from .base import (
    PUBLISH_PERMISSIONS,
    Fact,
    PublicationQuerySet,
    Publishable,
    Timestamped,
    can_view_unpublished,
    period_constraint,
)
from .i18n import Translatable, translations


class TagQuerySet(models.QuerySet):
    def in_use(self):
        """Tags readers see: those of at least one article they may read (a tag used only by
        drafts would name what they are about)."""
        return self.filter(pk__in=Article.objects.published().values("tags"))

    def visible_to(self, user):
        return self if can_view_unpublished(user, self.model) else self.in_use()


class Tag(Translatable, Timestamped):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_nl, name_en = translations(name)

    objects = TagQuerySet.as_manager()

    class Meta:
        # A shared reference readers see: changing one in use is reviewed like a record.
        default_permissions = PUBLISH_PERMISSIONS
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.t.name


class Article(Publishable, Fact):
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    title = models.CharField(_("title"), max_length=300)
    title_nl, title_en = translations(title)
    standfirst = models.TextField(_("standfirst"), blank=True)
    standfirst_nl, standfirst_en = translations(standfirst)
    body = models.TextField(
        _("body"), blank=True, help_text=_("Paragraphs separated by a blank line.")
    )
    body_nl, body_en = translations(body)
    language = models.CharField(_("language"), max_length=8, default="fr")
    published_on = models.DateField(_("published on"))
    published_on_precision = precision_field(_("precision of the publication date"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("tags"))
    related = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=False,
        related_name="related_from",
        verbose_name=_("related articles"),
        help_text=_("Explicit picks, shown before related content found through links and tags."),
    )
    partnerships = models.ManyToManyField(
        Partnership, blank=True, related_name="articles", verbose_name=_("partnerships")
    )

    published = PartialDateAccessor("published_on")

    # How a record is in a partnership (partnership.scope).
    partnership_links = ("partnerships",)

    class Meta:
        default_permissions = PUBLISH_PERMISSIONS
        ordering = ["-published_on", "-published_on_precision", "title"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self):
        return self.t.title

    def get_absolute_url(self):
        return reverse("partnership:article", kwargs={"slug": self.slug})

    @property
    def paragraphs(self) -> list[str]:
        return [part.strip() for part in self.t.body.split("\n\n") if part.strip()]


class ArticleLink(models.Model):
    """A typed link from an article to a record it is about or mentions."""

    class Kind(models.TextChoices):
        ABOUT = "about", _("About")
        MENTIONS = "mentions", _("Mentions")

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="links", verbose_name=_("article")
    )
    kind = models.CharField(_("link"), max_length=10, choices=Kind.choices, default=Kind.ABOUT)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, verbose_name=_("record type")
    )
    object_id = models.PositiveBigIntegerField(_("record"))
    target = GenericForeignKey("content_type", "object_id")

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["article", "kind", "content_type", "object_id"]
        verbose_name = _("article link")
        verbose_name_plural = _("article links")
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "content_type", "object_id"], name="article_link_unique_target"
            ),
        ]

    def __str__(self):
        return f"{self.article} → {self.get_kind_display()}: {self.target}"


class Quote(Publishable, Fact):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    text = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, default="fr")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("speaker")
    )
    said_on = models.DateField(_("said on"), null=True, blank=True)
    said_on_precision = precision_field(_("precision of the date"))
    occasion = models.CharField(_("occasion"), max_length=300, blank=True)
    occasion_nl, occasion_en = translations(occasion)
    article = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quotes",
        verbose_name=_("quoted in"),
    )
    partnerships = models.ManyToManyField(
        Partnership, blank=True, related_name="quotes", verbose_name=_("partnerships")
    )

    said = PartialDateAccessor("said_on")

    # How a record is in a partnership (partnership.scope).
    partnership_links = ("partnerships",)

    class Meta:
        default_permissions = PUBLISH_PERMISSIONS
        ordering = ["said_on", "pk"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    def __str__(self):
        text = self.text if len(self.text) <= 60 else f"{self.text[:59]}…"
        return f"{self.person.name}: {text}"

    def get_absolute_url(self):
        return reverse("partnership:quote", kwargs={"slug": self.slug})


class Event(Publishable, Fact):
    """A dated fact that fits no other record: a meeting, an inauguration, a decision."""

    class Kind(models.TextChoices):
        DECISION = "decision", _("Decision")
        MEETING = "meeting", _("Meeting")
        INAUGURATION = "inauguration", _("Inauguration")
        HANDOVER = "handover", _("Handover")
        ANNOUNCEMENT = "announcement", _("Announcement")
        CEREMONY = "ceremony", _("Ceremony")
        OTHER = "other", _("Other")

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=300)
    title_nl, title_en = translations(title)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    date = models.DateField(_("date"))
    date_precision = precision_field(_("precision of the date"))
    end = models.DateField(_("end"), null=True, blank=True)
    end_precision = precision_field(_("precision of the end"))
    place = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("place"),
    )
    partnerships = models.ManyToManyField(
        Partnership, blank=True, related_name="events", verbose_name=_("partnerships")
    )
    countries = models.ManyToManyField(
        Country, blank=True, related_name="events", verbose_name=_("countries")
    )
    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)

    when = PartialDateAccessor("date")
    ended = PartialDateAccessor("end")

    # How a record is in a partnership (partnership.scope).
    partnership_links = ("partnerships",)

    class Meta:
        default_permissions = PUBLISH_PERMISSIONS
        ordering = ["date", "date_precision", "title"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [period_constraint("event", "date", "end")]

    def __str__(self):
        return f"{self.when} — {self.t.title}"

    def get_absolute_url(self):
        return reverse("partnership:event", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        check_order(self, "when", "ended")
