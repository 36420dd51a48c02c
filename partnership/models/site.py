"""What the site calls itself and which partnership its home page features: data, set in the
admin, never written into templates or code."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .agreements import Partnership
from .base import Timestamped
from .i18n import Translatable, translations

SITE_SETTINGS_ID = 1


class SiteSettings(Translatable, Timestamped):
    """The one row of the site's own settings (see `current()`)."""

    title = models.CharField(
        _("site title"),
        max_length=120,
        help_text=_("Shown in every page's title, in search results and when a page is shared."),
    )
    title_nl, title_en = translations(title)
    description = models.CharField(
        _("description"),
        max_length=300,
        blank=True,
        help_text=_("One sentence saying what the site records, for search engines and sharing."),
    )
    description_nl, description_en = translations(description)
    featured_partnership = models.ForeignKey(
        Partnership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("featured partnership"),
        help_text=_(
            "The partnership the home page presents first, with its key figures; the other "
            "partnerships follow. Empty: the first published partnership."
        ),
    )

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pk=SITE_SETTINGS_ID), name="site_settings_single_row"
            ),
        ]

    def __str__(self):
        return str(self.t.title)

    def save(self, *args, **kwargs):
        # Always the one row: settings made anew replace it, keeping when it was created.
        self.pk = SITE_SETTINGS_ID
        if self.created_at is None:
            stored = type(self).objects.filter(pk=self.pk).values_list("created_at", flat=True)
            self.created_at = stored.first() or timezone.now()
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "SiteSettings":
        """The settings row, or unsaved defaults when there is none yet."""
        return cls.objects.filter(pk=SITE_SETTINGS_ID).first() or cls.defaults()

    @classmethod
    def defaults(cls) -> "SiteSettings":
        return cls(
            pk=SITE_SETTINGS_ID,
            title="Base de connaissances des coopérations de défense",
            title_nl="Kennisbank defensiesamenwerking",
            title_en="Defence cooperation knowledge base",
            description="Un registre sourcé des coopérations de défense : accords, commandes et "
            "livraisons, exercices, personnes et sources.",
            description_nl="Een register met bronnen van defensiesamenwerkingen: akkoorden, "
            "bestellingen en leveringen, oefeningen, personen en bronnen.",
            description_en="A sourced record of defence cooperation partnerships: agreements, "
            "orders and deliveries, exercises, people and sources.",
        )
