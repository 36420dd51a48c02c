"""Reviewing a proposed change: compare, publish, send back, discard."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Proposal, Publishable, Status
from ..sourcing import SourcingError, published_without_visible_source
from ..states import RecordState
from ..workflow import TransitionError, can_publish, check_transition
from ..writing import ApplyError, apply, conflicts
from .gate import ReviewGate


class ReviewError(Exception):
    """The proposal cannot be published as it stands; the messages say why."""

    def __init__(self, messages):
        super().__init__(" ".join(str(m) for m in messages))
        self.messages = list(messages)


def live_state(proposal: Proposal) -> RecordState | None:
    return RecordState.live(proposal.record_model, proposal.object_id)


def pending_conflicts(proposal: Proposal, live: RecordState | None = None):
    """Live values changed since the proposal was made that publishing it would overwrite."""
    return conflicts(
        RecordState.from_json(proposal.base),
        RecordState.from_json(proposal.proposed),
        live if live is not None else live_state(proposal),
    )


def may_review(user, proposal: Proposal) -> bool:
    return can_publish(user, proposal.record_model)


@dataclass
class Outcome:
    state: RecordState | None
    unsourced: bool = False


def outcome(proposal: Proposal) -> Outcome:
    """The record as publishing the proposal would make it, and whether readers would then see
    no source for it (computed in a transaction, then rolled back)."""

    class _Undo(Exception):
        pass

    result = Outcome(state=None)
    try:
        with transaction.atomic():
            apply_proposal(proposal, validate=False)
            result.state = live_state(proposal)
            record = proposal.record_model._base_manager.filter(pk=proposal.object_id).first()
            result.unsourced = bool(published_without_visible_source(records=[record]))
            raise _Undo
    except _Undo:
        pass
    return result


def apply_proposal(proposal: Proposal, *, validate=True) -> None:
    """Write the proposal over the live record: only what it changes; live values it does not
    touch are kept."""
    base = RecordState.from_json(proposal.base)
    target = RecordState.from_json(proposal.proposed)
    if base is None and live_state(proposal) is not None:
        base = live_state(proposal)
    apply(target, base=base, validate=validate)


def publish(proposal: Proposal, *, user, force: bool = False) -> None:
    """Make the proposal live, as `user` (who must be allowed to publish the record). Refused
    while the live record changed since in a way the proposal would overwrite, unless `force`."""
    from ..comments import comment as history_comment

    if not proposal.is_open:
        raise ReviewError([_("This proposal is no longer awaiting review.")])
    if not may_review(user, proposal):
        raise PermissionDenied(_("Only those who may publish this kind of record can review it."))
    if not force and pending_conflicts(proposal):
        raise ReviewError(
            [_("The published record changed since this proposal was made: see the conflicts.")]
        )
    model = proposal.record_model
    live = live_state(proposal)
    author = proposal.created_by.get_username() if proposal.created_by else "—"
    try:
        with ReviewGate(
            user,
            route=proposal.route,
            comment=history_comment("proposal_published", author=author),
        ):
            apply_proposal(proposal)
            if issubclass(model, Publishable):
                record = model._base_manager.get(pk=proposal.object_id)
                previous = live.fields.get("status") if live else Status.DRAFT
                check_transition(
                    user, record, record.status, previous=previous, reason=record.withdrawn_reason
                )
                if record.status == Status.WITHDRAWN and previous != Status.WITHDRAWN:
                    record.withdrawn_at = timezone.now()
                    record.save(update_fields=["withdrawn_at"])
    except (TransitionError, SourcingError) as error:
        raise ReviewError([str(error)]) from error
    except ApplyError as error:
        raise ReviewError(error.messages) from error
    proposal.state = Proposal.State.PUBLISHED
    proposal.reviewed_by = user
    proposal.reviewed_at = timezone.now()
    proposal.save(update_fields=["state", "reviewed_by", "reviewed_at", "updated_at"])


def send_back(proposal: Proposal, *, user, note: str) -> None:
    if not proposal.is_open:
        raise ReviewError([_("This proposal is no longer awaiting review.")])
    if not may_review(user, proposal):
        raise PermissionDenied(_("Only those who may publish this kind of record can review it."))
    if not note.strip():
        raise ReviewError([_("Say what should change: the author will read it.")])
    proposal.state = Proposal.State.SENT_BACK
    proposal.review_note = note.strip()
    proposal.reviewed_by = user
    proposal.reviewed_at = timezone.now()
    proposal.save(
        update_fields=["state", "review_note", "reviewed_by", "reviewed_at", "updated_at"]
    )


def discard(proposal: Proposal, *, user) -> None:
    if not proposal.is_open:
        raise ReviewError([_("This proposal is no longer awaiting review.")])
    if not (may_review(user, proposal) or proposal.created_by_id == user.pk):
        raise PermissionDenied(_("Only its author or a reviewer can discard a proposal."))
    proposal.state = Proposal.State.DISCARDED
    proposal.reviewed_by = user
    proposal.reviewed_at = timezone.now()
    proposal.save(update_fields=["state", "reviewed_by", "reviewed_at", "updated_at"])


def open_proposal(model, pk) -> Proposal | None:
    return Proposal.objects.open().for_record(model, pk).select_related("created_by").first()
