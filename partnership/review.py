"""Every change readers would see passes review.

A write by a user runs inside a `ReviewGate` (admin forms, inlines, bulk actions, imports, API,
revert, recovery). The gate notes every record the write touches (database signals, so no route
can slip past it) and, when the write is done:

- a record readers see (published or withdrawn; a place or tag a published record uses) changed
  by someone who may not publish it is set aside as a `Proposal`, and the write is rolled back:
  readers keep seeing the live record until an Editor publishes the proposal;
- every other change is kept, as one revision per record (see revisions.py), after checking
  that no published record is left without a source readers can see.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from . import records
from .models import Proposal, Publishable, Source, Status
from .sourcing import (
    SourcingError,
    dependants,
    published_without_visible_source,
    visible_on,
)
from .states import (
    ApplyError,
    Delta,
    Key,
    RecordState,
    apply,
    conflicts,
    key_of,
    label,
    model_of,
    with_placeholders,
)
from .workflow import READER_FACING, TransitionError, can_publish, check_transition

_gates: contextvars.ContextVar[ReviewGate | None] = contextvars.ContextVar(
    "review_gate", default=None
)


def current_gate() -> ReviewGate | None:
    return _gates.get()


# Who reviews what ------------------------------------------------------------------------------


def in_use(model, pk) -> bool:
    """Whether a shared reference (a place, a tag) is shown to readers by a published record."""
    for relation in model._meta.related_objects:
        related = relation.related_model
        if issubclass(related, Publishable) and (
            related.objects.filter(**{relation.field.name: pk}).published().exists()
        ):
            return True
    return False


def reader_facing(model, state: RecordState | None) -> bool:
    if state is None:
        return False
    if issubclass(model, Publishable):
        return state.fields.get("status") in READER_FACING
    return not str(state.pk).startswith("new-") and in_use(model, state.pk)


def reader_facing_now(model, pk, *, obj=None) -> bool:
    """Whether readers see the stored record `model` #`pk` (one query at most; none when
    `obj`, the stored record, is given)."""
    if issubclass(model, Publishable):
        status = (
            obj.status
            if obj is not None
            else model._base_manager.filter(pk=pk).values_list("status", flat=True).first()
        )
        return status in READER_FACING
    return in_use(model, pk)


def source_visible(state: RecordState | None) -> bool:
    if state is None:
        return False
    publish_at = parse_datetime(state.fields.get("publish_at") or "")
    return state.fields.get("status") == Status.PUBLISHED and (
        publish_at is None or publish_at <= timezone.now()
    )


def shows_source(state: RecordState) -> bool:
    """Whether the record in `state` cites a source readers see (now, or when it goes live)."""
    content_type = str(ContentType.objects.get_for_model(state.model).pk)
    sources = [
        fields["source"]
        for key, fields in state.rows.items()
        if key[0] == "partnership.citation"
        and str(fields.get("content_type")) == content_type
        and str(fields.get("object_id")) == state.pk
    ]
    if not sources:
        return False
    publish_at = parse_datetime(state.fields.get("publish_at") or "")
    when = max(timezone.now(), publish_at) if publish_at else timezone.now()
    return Source.objects.filter(visible_on(when), pk__in=sources).exists()


def needs_review(user, model, before: RecordState | None, after: RecordState | None) -> bool:
    """A change to what readers see (or would see) by someone who may not publish it."""
    if user is None or can_publish(user, model):
        return False
    return reader_facing(model, before) or reader_facing(model, after)


# The gate ----------------------------------------------------------------------------------------


@dataclass
class RecordChange:
    key: Key
    before: RecordState | None
    after: RecordState | None

    @property
    def model(self):
        return model_of(self.key)


class _SetAside(Exception):
    """Rolls the gate's transaction back once the proposals are taken."""


@dataclass
class ReviewGate:
    """Runs a write; see the module's docstring. `comment` is the history's comment for it.

    Gates nest: an inner gate (an import inside an admin view) hands its records to the outer one.
    """

    user: object
    route: str = Proposal.Route.FORM
    comment: str | None = None
    before: dict[Key, RecordState | None] = field(default_factory=dict)
    created: set[Key] = field(default_factory=set)
    # Records whose open proposal was applied first in this write: their new proposal is the
    # result as it stands (the proposal is already in it).
    on_proposal: set[Key] = field(default_factory=set)
    proposals: list[Proposal] = field(default_factory=list)
    kept: list[RecordChange] = field(default_factory=list)
    deferred: list = field(default_factory=list)

    def __post_init__(self):
        self._outer = None
        self._token = None

    def __enter__(self):
        outer = current_gate()
        if outer is not None:
            self._outer = outer
            return outer
        if reversion.is_active():
            # A revision opened outside would keep the versions of a write set aside.
            raise RuntimeError("A ReviewGate opens the revision itself; do not nest it in one.")
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._revision = reversion.create_revision(atomic=False)
        self._revision.__enter__()
        if self.user is not None and getattr(self.user, "is_authenticated", False):
            reversion.set_user(self.user)
        if self.comment:
            reversion.set_comment(self.comment)
        self._token = _gates.set(self)
        return self

    def __exit__(self, exc_type, exc, traceback):
        if self._outer is not None:
            return False
        _gates.reset(self._token)
        if exc_type is not None:
            self._close(exc_type, exc, traceback)
            return False
        try:
            changes = self.collect()
            diverted = [change for change in changes if self.diverts(change)]
            if not diverted:
                self.check_sources(changes)
        except BaseException as error:
            self._close(type(error), error, error.__traceback__)
            raise
        if not diverted:
            self.kept = changes
            self.record_versions(changes)
            self._close(None, None, None)
            self.run_deferred()
            return False
        comment = self.comment or reversion.get_comment()
        self._close(_SetAside, _SetAside(), None)
        self.set_aside(changes, diverted, comment)
        return False

    @staticmethod
    def record_versions(changes) -> None:
        """Each record changed gets a new version in its history, whatever row changed (a child
        row deleted, a citation edited on its own page)."""
        for change in changes:
            if change.after is not None:
                reversion.add_to_revision(change.model._base_manager.get(pk=change.key[1]))

    def _close(self, exc_type, exc, traceback):
        self._revision.__exit__(exc_type, exc, traceback)
        self._atomic.__exit__(exc_type, exc, traceback)

    # Noting what is touched -------------------------------------------------------------------

    def note_before(self, key: Key | None) -> None:
        """Keep the record `key` as it is before this write first changes it."""
        if key is None or key in self.before:
            return
        self.before[key] = RecordState.live(model_of(key), key[1])

    def note_created(self, obj) -> None:
        self.created.add(key_of(obj))

    def defer(self, callback) -> None:
        """Run `callback` (a message to the user) only if the write is kept as it is."""
        self.deferred.append(callback)

    def run_deferred(self) -> None:
        for callback in self.deferred:
            callback()

    # Deciding ---------------------------------------------------------------------------------

    def collect(self) -> list[RecordChange]:
        changes = []
        for key, before in self.before.items():
            after = RecordState.live(model_of(key), key[1])
            if after is not None:
                after.new = {row for row in after.rows if row in self.created}
            if before is None and after is None:
                continue
            if before is not None and before.same_as(after):
                continue
            changes.append(RecordChange(key, before, after))
        return changes

    def diverts(self, change: RecordChange) -> bool:
        return needs_review(self.user, change.model, change.before, change.after)

    def check_sources(self, changes: list[RecordChange]) -> None:
        """No write may leave a published record showing no source readers see: neither by
        publishing it without one, nor by taking away its last one (a citation removed, a source
        withdrawn). A record already without one (listed on the desk for repair) may still be
        edited."""
        candidates, hidden_sources = [], False
        for change in changes:
            if change.after is None:
                continue
            model = change.model
            if model is Source:
                source = Source.objects.get(pk=change.key[1])
                if source_visible(change.before) and not source_visible(change.after):
                    hidden_sources = True
                    candidates += dependants(source)
            else:
                candidates.append(model._base_manager.get(pk=change.key[1]))
        missing = [
            record
            for record in published_without_visible_source(records=candidates)
            if hidden_sources or self.worsened(record)
        ]
        if missing:
            raise SourcingError(dict.fromkeys(missing))

    def worsened(self, record) -> bool:
        """Whether `record`, now published without a visible source, showed one (or was not
        published) before this write."""
        before = self.before.get(key_of(record))
        if before is None or before.fields.get("status") != Status.PUBLISHED:
            return True
        return shows_source(before)

    # Setting aside ----------------------------------------------------------------------------

    def set_aside(self, changes, diverted, comment) -> None:
        """After the rollback: keep the changes nobody needs to review, and turn the others into
        proposals."""
        for change in diverted:
            if change.after is None:
                raise PermissionDenied(
                    _("Only those who may publish can delete a record readers see.")
                )
        with transaction.atomic():
            remap = {}
            kept = [c for c in changes if c not in diverted]
            if kept:
                with reversion.create_revision(atomic=False):
                    if getattr(self.user, "is_authenticated", False):
                        reversion.set_user(self.user)
                    if comment:
                        reversion.set_comment(comment)
                    for change in kept:
                        target = with_placeholders(change.after, change.after.new)
                        remap |= apply(target, base=change.before, validate=False)
                        key = remap.get(change.key, change.key)
                        reversion.add_to_revision(change.model._base_manager.get(pk=key[1]))
                self.check_sources(
                    [RecordChange(remap.get(c.key, c.key), c.before, c.after) for c in kept]
                )
            for change in diverted:
                self.proposals.append(self.propose(change, remap))
        self.kept = kept

    def propose(self, change: RecordChange, remap) -> Proposal:
        after = with_placeholders(change.after, change.after.new)
        if remap:
            after = repoint(after, remap)
        model = change.model
        content_type = ContentType.objects.get_for_model(model)
        proposal = (
            Proposal.objects.select_for_update()
            .filter(content_type=content_type, object_id=change.key[1])
            .open()
            .first()
        )
        base = change.before
        if proposal is not None and change.key not in self.on_proposal:
            # Another route changed a record with an open proposal: the proposal, brought up
            # to date with the live record, then this change.
            earlier = Delta.between(
                RecordState.from_json(proposal.base), RecordState.from_json(proposal.proposed)
            )
            after = Delta.between(base, after).onto(earlier.onto(base or after))
        if proposal is None:
            proposal = Proposal(
                content_type=content_type, object_id=change.key[1], created_by=self.user
            )
        proposal.base = base.to_json() if base else None
        proposal.proposed = after.to_json()
        proposal.object_repr = object_repr(model, after)
        proposal.route = self.route
        proposal.state = Proposal.State.PENDING
        proposal.updated_by = self.user
        proposal.save()
        return proposal


def repoint(state: RecordState, remap: dict[Key, Key]) -> RecordState:
    """References from `state` to rows created (kept) by the same write, moved to their new keys."""
    rows = {}
    for key, fields in state.rows.items():
        fields = dict(fields)
        for field_ in model_of(key)._meta.fields:
            if field_.many_to_one and field_.name in fields:
                target = (label(field_.related_model), str(fields[field_.name]))
                if target in remap:
                    fields[field_.name] = int(remap[target][1])
        rows[key] = fields
    return RecordState(root=state.root, rows=rows, new=set(state.new))


def object_repr(model, state: RecordState) -> str:
    try:
        from django.core import serializers

        data = [{"model": state.root[0], "fields": state.fields}]
        obj = next(serializers.deserialize("python", data, ignorenonexistent=True)).object
        return str(obj)[:300]
    except Exception:
        return f"{model._meta.verbose_name} #{state.pk}"


# Signals: every write of a record, whatever its route ------------------------------------------


def _tracked(model) -> bool:
    return model in records.app_models()


def _key(found) -> Key | None:
    return (label(found[0]), str(found[1])) if found else None


def _stored_root(instance) -> Key | None:
    """The root of `instance` as the database holds it (before a save moves it elsewhere)."""
    model = type(instance)
    if records.is_root(model) or instance.pk is None:
        return _key(records.root_key(instance))
    stored = model._base_manager.filter(pk=instance.pk).first()
    return _key(records.root_key(stored if stored is not None else instance))


def on_pre_save(sender, instance, raw=False, **kwargs):
    gate = current_gate()
    if gate is None or not _tracked(sender):
        return
    gate.note_before(_stored_root(instance))
    gate.note_before(_key(records.root_key(instance)))


def on_post_save(sender, instance, created=False, **kwargs):
    gate = current_gate()
    if gate is None or not _tracked(sender):
        return
    if created:
        gate.note_created(instance)
    gate.note_before(_key(records.root_key(instance)))


def on_delete(sender, instance, **kwargs):
    gate = current_gate()
    if gate is None or not _tracked(sender):
        return
    gate.note_before(_key(records.root_key(instance)))


def on_m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    gate = current_gate()
    if gate is None or not action.startswith("pre_"):
        return
    if not reverse:
        if _tracked(type(instance)):
            gate.note_before(_key(records.root_key(instance)))
        return
    if not _tracked(model):
        return
    if pk_set is None:  # clear() from the other side: every record linked now
        field_ = next(f for f in model._meta.many_to_many if f.remote_field.through is sender)
        related = getattr(instance, field_.remote_field.get_accessor_name())
        pk_set = related.values_list("pk", flat=True)
    for pk in pk_set:
        gate.note_before((label(model), str(pk)))


def connect() -> None:
    pre_save.connect(on_pre_save, dispatch_uid="review.pre_save")
    post_save.connect(on_post_save, dispatch_uid="review.post_save")
    pre_delete.connect(on_delete, dispatch_uid="review.pre_delete")
    post_delete.connect(on_delete, dispatch_uid="review.post_delete")
    m2m_changed.connect(on_m2m_changed, dispatch_uid="review.m2m_changed")


# Reviewing --------------------------------------------------------------------------------------


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
    from .history import comment as history_comment

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
