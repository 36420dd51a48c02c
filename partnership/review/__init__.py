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

from .gate import ReviewGate, current_gate
from .proposals import (
    Outcome,
    ReviewError,
    apply_proposal,
    discard,
    live_state,
    may_review,
    open_proposal,
    outcome,
    pending_conflicts,
    publish,
    send_back,
)
from .rules import in_use, needs_review, reader_facing, reader_facing_now
from .signals import connect

__all__ = [
    "Outcome",
    "ReviewError",
    "ReviewGate",
    "apply_proposal",
    "connect",
    "current_gate",
    "discard",
    "in_use",
    "live_state",
    "may_review",
    "needs_review",
    "open_proposal",
    "outcome",
    "pending_conflicts",
    "publish",
    "reader_facing",
    "reader_facing_now",
    "send_back",
]
