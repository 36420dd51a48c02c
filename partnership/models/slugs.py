"""Stable addresses: the slugs a published record had, so that its old URLs redirect."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class SlugHistory(models.Model):
    """A slug a record was published under and no longer has. Its old page and API address
    answer 301 to the current one (see partnership/slugs.py)."""

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, verbose_name=_("record type")
    )
    object_id = models.PositiveBigIntegerField(_("record"))
    old_slug = models.SlugField(_("former slug"), max_length=120)
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)

    class Meta:
        verbose_name = _("former slug")
        verbose_name_plural = _("former slugs")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "old_slug"], name="slug_history_unique_per_type"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return self.old_slug
