"""Members of partnerships as readers read them: one line per member, with every period of its
membership ("member 2019–2022, re-joined 2024")."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass
class Member:
    partnership: object
    member: object  # a Country or an Organization
    periods: list = field(default_factory=list)  # its Membership rows, earliest first

    @property
    def first(self):
        return self.periods[0]


def by_member(memberships) -> list[Member]:
    """Group `memberships` (with `country` and `organization` selected) per partnership and
    member, in the order of their first period."""
    groups: dict[tuple, Member] = {}
    for membership in memberships:
        member = membership.member
        if member is None:  # its member hidden from readers
            continue
        key = (membership.partnership_id, type(member), member.pk)
        groups.setdefault(key, Member(membership.partnership, member)).periods.append(membership)
    for group in groups.values():
        group.periods.sort(key=lambda row: row.since or datetime.date.min)
    return list(groups.values())
