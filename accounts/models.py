"""API tokens, kept as a hash: the token itself is shown once, to the one it is issued to, and
is never stored; signing in with it compares hashes. Nobody, an Administrator included, can read
a token back and act as someone else."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

# What the admin shows of a token, to tell one from another (not enough to guess the rest).
PREFIX_LENGTH = 6


def digest(key: str) -> str:
    """SHA-256 of a token: the token is 160 random bits, so no salt or slow hash is needed."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def issue(self, user, name: str = "") -> tuple[ApiToken, str]:
        """A new token for `user`: the record, and the token itself (to show once)."""
        token = self.model(user=user, name=name)
        key = token.set_new_key()
        token.save()
        return token, key

    def for_key(self, key: str):
        return self.filter(digest=digest(key))


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("account"),
    )
    name = models.CharField(
        _("name"), max_length=100, blank=True, help_text=_("What the token is for.")
    )
    prefix = models.CharField(_("begins with"), max_length=PREFIX_LENGTH, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        default_permissions = ("add", "view", "delete")

    def __str__(self):
        return f"{self.prefix}… ({self.name or self.user})"

    def set_new_key(self) -> str:
        """Give the token a new secret; returns it (the only time it can be read)."""
        key = secrets.token_hex(20)
        self.prefix, self.digest = key[:PREFIX_LENGTH], digest(key)
        return key


class RecordOwner(models.Model):
    """Who owns a draft: who created it, or whom an Editor gave it to. A Contributor changes and
    submits only the drafts they own (and drafts nobody owns: loaded from the dataset, or made
    before owners were kept); an Editor changes any record. See partnership/workflow.py."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="owned_records",
        verbose_name=_("owner"),
    )

    class Meta:
        verbose_name = _("owner")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="one_owner")
        ]

    def __str__(self):
        return f"{self.content_type} #{self.object_id}: {self.owner}"
