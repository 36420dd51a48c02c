"""The publication workflow: draft → in review → published → withdrawn, and who may do what.

Contributors (change permission) write drafts and submit them for review. Publishing,
scheduling, withdrawing and editing what readers already see need the publish permission
(Editors). Every route (admin form, bulk action, API) goes through `check_transition`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Fact, Publishable, Status

# (from, to) → the permission it needs.
TRANSITIONS = {
    (Status.DRAFT, Status.REVIEW): "change",
    (Status.REVIEW, Status.DRAFT): "change",
    (Status.DRAFT, Status.PUBLISHED): "publish",
    (Status.REVIEW, Status.PUBLISHED): "publish",
    (Status.PUBLISHED, Status.WITHDRAWN): "publish",
    (Status.PUBLISHED, Status.DRAFT): "publish",
    (Status.WITHDRAWN, Status.PUBLISHED): "publish",
    (Status.WITHDRAWN, Status.DRAFT): "publish",
}
READER_FACING = (Status.PUBLISHED, Status.WITHDRAWN)


class TransitionError(Exception):
    """A status change that the rules forbid; the message says why."""


def has(user, action: str, model) -> bool:
    opts = model._meta
    return bool(
        user and user.is_active and user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
    )


def can_publish(user, model) -> bool:
    return has(user, "publish", model)


def can_edit(user, record) -> bool:
    """Records readers see (published or withdrawn) are edited only by those who may publish;
    a draft only by its owner (see `may_change_draft`)."""
    if record.pk and getattr(record, "status", None) in READER_FACING:
        return can_publish(user, type(record))
    return has(user, "change", type(record)) and may_change_draft(user, type(record), record.pk)


def may_change_draft(user, model, pk) -> bool:
    """Whether `user` may change (and submit) the draft `model` #`pk`: those who may publish
    change any; a Contributor only one they own (created, or given by an Editor) or one nobody
    owns (loaded from the dataset, or made before owners were kept)."""
    if pk is None or not issubclass(model, Publishable) or can_publish(user, model):
        return True
    from accounts.ownership import owner_id

    owner = owner_id(model, pk)
    return owner is None or owner == getattr(user, "pk", None)


def allowed_statuses(user, record, *, current: str | None = None) -> list[str]:
    """The statuses `user` may give `record` now, its current (stored) one included."""
    # The stored status, not the one in memory: a reverted or recovered record carries its old one.
    current = current or stored_status(record)
    allowed = [current]
    for (source, target), action in TRANSITIONS.items():
        if source == current and has(user, action, type(record)):
            allowed.append(target)
    return [status for status in Status.values if status in allowed]


def stored_status(record) -> str:
    if record.pk is None:
        return Status.DRAFT
    stored = type(record).objects.filter(pk=record.pk).values_list("status", flat=True).first()
    return stored or Status.DRAFT


def check_transition(
    user, record, target: str, *, previous: str | None = None, reason: str = "", check_sources=True
) -> None:
    """Raise TransitionError unless `user` may move `record` from `previous` (its stored status
    by default) to `target`, and the record is ready for it. The admin checks sources in the
    citations formset instead (`check_sources=False`), since inline citations are saved last."""
    current = previous or stored_status(record)
    if target != current:
        action = TRANSITIONS.get((current, target))
        if action is None:
            raise TransitionError(
                _("A record cannot go from “%(current)s” to “%(target)s”.")
                % {"current": Status(current).label, "target": Status(target).label}
            )
        if not has(user, action, type(record)):
            raise TransitionError(
                _("You may not make this record “%(target)s”.") % {"target": Status(target).label}
            )
    if target == Status.WITHDRAWN and not (reason or record.withdrawn_reason).strip():
        raise TransitionError(_("Give the reason for the withdrawal; readers will see it."))
    if check_sources and target == Status.PUBLISHED and isinstance(record, Fact):
        from .sourcing import shows_a_source

        if not shows_a_source(record):
            raise TransitionError(
                _(
                    "A record cannot be published without citing a source that readers see: "
                    "a published source, published by the time the record is."
                )
            )


@transaction.atomic
def transition(record, *, user, to: str, reason: str = "", publish_at=None):
    """Move `record` to status `to` (with a reason when withdrawing), or refuse."""
    scheduling = publish_at is not None and to == Status.PUBLISHED
    previous_publish_at = record.publish_at
    if scheduling:
        record.publish_at = publish_at  # its sources must be published by then
    try:
        check_transition(user, record, to, reason=reason)
        if publish_at is not None and not can_publish(user, type(record)):
            raise PermissionDenied(_("Only those who may publish can schedule."))
    except (TransitionError, PermissionDenied):
        record.publish_at = previous_publish_at
        raise
    record.status = to
    if to == Status.WITHDRAWN:
        record.withdrawn_at = timezone.now()
        record.withdrawn_reason = reason or record.withdrawn_reason
    elif to == Status.PUBLISHED:
        record.withdrawn_at = None
    record.save()
    return record
