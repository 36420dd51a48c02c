"""Proposed changes: a change to what readers see, kept aside until an Editor reviews it."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ProposalQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=Proposal.OPEN)

    def for_record(self, model, pk):
        return self.filter(content_type=ContentType.objects.get_for_model(model), object_id=pk)


class Proposal(models.Model):
    """A change to a published (or withdrawn) record by someone who may not publish: the record
    as they want it (`proposed`), and as it was when they made the change (`base`), so an Editor
    can compare, publish or send it back while readers keep seeing the live record."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        SENT_BACK = "sent_back", _("Sent back")
        PUBLISHED = "published", _("Published")
        DISCARDED = "discarded", _("Discarded")

    class Route(models.TextChoices):
        FORM = "form", _("Edit form")
        IMPORT = "import", _("Import")
        API = "api", _("API")
        REVERT = "revert", _("Revert to an earlier version")
        RECOVER = "recover", _("Recovery of a deleted record")
        ACTION = "action", _("Bulk action")

    OPEN = (State.PENDING, State.SENT_BACK)

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, verbose_name=_("record type")
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("record"), max_length=300)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    route = models.CharField(_("made through"), max_length=10, choices=Route.choices)
    base = models.JSONField(_("record when proposed"), null=True, blank=True, editable=False)
    proposed = models.JSONField(_("proposed record"), editable=False)
    review_note = models.TextField(_("reviewer's note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        default_permissions = ("view",)
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("proposed change")
        verbose_name_plural = _("proposed changes")
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(state__in=["pending", "sent_back"]),
                name="proposal_one_open_per_record",
            ),
        ]

    def __str__(self):
        return str(_("Proposed change to %(record)s") % {"record": self.object_repr})

    def get_absolute_url(self):
        return reverse("admin:partnership_proposal_change", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN

    @property
    def record_model(self):
        return self.content_type.model_class()
