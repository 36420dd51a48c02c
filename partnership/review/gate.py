"""The review gate: a write runs inside it, and what it changed is kept, or set aside as a
proposal when readers see the record and the writer may not publish it."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.ownership import set_owner

from ..models import Proposal, Publishable, Source, Status
from ..sourcing import SourcingError, dependants, published_without_visible_source
from ..states import (
    Delta,
    Key,
    RecordState,
    key_of,
    label,
    model_of,
    with_placeholders,
)
from ..workflow import may_change_draft
from ..writing import apply
from .rules import needs_review, reader_facing, shows_source, source_visible

_gates: contextvars.ContextVar[ReviewGate | None] = contextvars.ContextVar(
    "review_gate", default=None
)


def current_gate() -> ReviewGate | None:
    return _gates.get()


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
    # False for a write that is only shown, then rolled back (a form over a version or a
    # proposal): django-reversion need not serialize what it saves.
    recording: bool = True
    before: dict[Key, RecordState | None] = field(default_factory=dict)
    created: set[Key] = field(default_factory=set)
    restored: set[Key] = field(default_factory=set)
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
        self._revision = reversion.create_revision(manage_manually=not self.recording, atomic=False)
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
            self.check_owners(changes)
            diverted = [change for change in changes if self.diverts(change)]
            if not diverted:
                self.check_sources(changes)
        except BaseException as error:
            self._close(type(error), error, error.__traceback__)
            raise
        if not diverted:
            self.kept = changes
            self.give_owners()
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
        if key_of(obj) not in self.restored:
            self.created.add(key_of(obj))

    def note_restored(self, obj) -> None:
        self.restored.add(key_of(obj))

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

    def check_owners(self, changes: list[RecordChange]) -> None:
        """A draft (or a record in review) is changed, submitted or deleted only by its owner or
        by someone who may publish it, whatever the route."""
        if self.user is None:
            return
        for change in changes:
            model = change.model
            if change.before is None or not issubclass(model, Publishable):
                continue
            if reader_facing(model, change.before):
                continue  # readers see it: the change is reviewed as a proposal
            if not may_change_draft(self.user, model, change.key[1]):
                raise PermissionDenied(
                    _(
                        "“%(record)s” is another contributor’s draft: only its owner, or an "
                        "Editor, may change it."
                    )
                    % {"record": label_of(change)}
                )

    def give_owners(self, remap: dict[Key, Key] | None = None) -> None:
        """A record created by a signed-in user is theirs. After a rollback (`remap`: the rows
        written again, under their new keys), only those written again."""
        if not getattr(self.user, "is_authenticated", False):
            return
        for key in self.created:
            model = model_of(key)
            if not issubclass(model, Publishable):
                continue
            if remap is not None:
                key = remap.get(key)
                if key is None:
                    continue
            if model._base_manager.filter(pk=key[1]).exists():
                set_owner(model, int(key[1]), self.user)

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
                self.give_owners(remap)
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


def label_of(change: RecordChange) -> str:
    obj = change.model._base_manager.filter(pk=change.key[1]).first()
    return str(obj) if obj is not None else f"{change.model._meta.verbose_name} #{change.key[1]}"


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
