"""The chronology, derived from the dated records themselves (never typed in twice)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Prefetch, Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import records
from .dates import PartialDate, Precision
from .models import (
    Activity,
    Agreement,
    Appointment,
    Certainty,
    Claim,
    Delivery,
    Event,
    Membership,
    Milestone,
    Order,
    OrderShare,
    Organization,
    Programme,
    Rank,
)

PLANNED = gettext_lazy("Planned")

KINDS = {
    "agreement": gettext_lazy("Agreements"),
    "order": gettext_lazy("Orders"),
    "delivery": gettext_lazy("Deliveries"),
    "activity": gettext_lazy("Exercises and operations"),
    "event": gettext_lazy("Events"),
    "appointment": gettext_lazy("Appointments"),
    "membership": gettext_lazy("Memberships"),
    "programme": gettext_lazy("Programmes"),
    "organization": gettext_lazy("Organizations"),
}


@dataclass
class Entry:
    when: PartialDate
    kind: str
    title: str
    record: object
    url: str | None = None
    countries: set[str] = field(default_factory=set)
    claims: list = field(default_factory=list)  # the record's claims, attached by `build`
    until: PartialDate | None = None  # the end of a planned period
    date_field: str | None = None  # the field of the record the date is (signed_on...)

    @property
    def kind_label(self):
        return KINDS.get(self.kind) or PLANNED

    @property
    def is_uncertain(self) -> bool:
        """Whether this entry's date is uncertain: an estimate, a range, or disputed. Only the
        claims about this date count (a record may be disputed about its amount, not its date)."""
        about = [claim for claim in self.claims if claim.field == self.date_field]
        return any(
            claim.rank == Rank.NORMAL
            or (claim.rank == Rank.PREFERRED and claim.certainty != Certainty.EXACT)
            for claim in about
        )


def attach_claims(entries: list[Entry]) -> None:
    """Give each entry its record's claims, in one query whatever the number of entries."""
    found = records.by_record(Claim.objects.filter(records.about(e.record for e in entries)))
    for entry in entries:
        entry.claims = found.get(records.key_of(entry.record), [])


def _count(quantity, name):
    return _("%(quantity)s × %(system)s") % {"quantity": number_format(quantity), "system": name}


def _agreements(country, partnership=None):
    queryset = Agreement.objects.published().prefetch_related("parties")
    if country:
        queryset = queryset.filter(parties=country)
    if partnership:
        queryset = queryset.in_partnership(partnership)
    for agreement in queryset:
        codes = {party.code for party in agreement.parties.all()}
        url = agreement.get_absolute_url()
        if agreement.signed:
            yield Entry(
                agreement.signed,
                "agreement",
                _("%(title)s signed") % {"title": agreement},
                agreement,
                url,
                codes,
                date_field="signed_on",
            )
        if agreement.in_force:
            yield Entry(
                agreement.in_force,
                "agreement",
                _("%(title)s enters into force") % {"title": agreement},
                agreement,
                url,
                codes,
                date_field="in_force_on",
            )


def _bought_by(country, prefix=""):
    """Orders (reached through `prefix`) that `country` bought or holds a share of."""
    shared = OrderShare.objects.published().filter(country=country).values("order")
    return Q(**{f"{prefix}buyer": country}) | Q(**{f"{prefix}pk__in": shared})


def _with_parties(queryset, prefix=""):
    return queryset.select_related(
        f"{prefix}buyer", f"{prefix}buying_organization", f"{prefix}system"
    ).prefetch_related(
        Prefetch(
            f"{prefix}shares",
            OrderShare.objects.published().select_related("country"),
            to_attr="visible_shares",
        )
    )


def _codes(order) -> set[str]:
    """The countries an order is for: its buyer, and the holders of its shares."""
    codes = {order.buyer.code} if order.buyer_id else set()
    return codes | {share.country.code for share in order.visible_shares if share.country_id}


def _orders(country, partnership=None):
    queryset = _with_parties(Order.objects.published().exclude(ordered_on=None))
    if country:
        queryset = queryset.filter(_bought_by(country))
    if partnership:
        queryset = queryset.in_partnership(partnership)
    for order in queryset:
        if order.order_status == Order.Status.APPROVED:
            template = _("%(buyer)s approves the purchase of %(count)s")
        else:
            template = _("%(buyer)s orders %(count)s")
        title = template % {
            "buyer": order.purchaser.t.name,
            "count": _count(order.quantity, order.system.t.name),
        }
        yield Entry(
            order.ordered,
            "order",
            title,
            order,
            order.get_absolute_url(),
            _codes(order),
            date_field="ordered_on",
        )


def _deliveries(country, partnership=None):
    queryset = _with_parties(Delivery.objects.published(), "order__")
    if country:
        queryset = queryset.filter(order__in=Order.objects.filter(_bought_by(country)))
    if partnership:
        queryset = queryset.in_partnership(partnership)
    for delivery in queryset:
        order = delivery.order
        if delivery.quantity:
            what = _count(delivery.quantity, order.system.t.name)
        else:
            what = _("%(system)s (number not disclosed)") % {"system": order.system.t.name}
        title = _("%(buyer)s receives %(what)s") % {"buyer": order.purchaser.t.name, "what": what}
        yield Entry(
            delivery.delivered,
            "delivery",
            title,
            delivery,
            order.get_absolute_url(),
            _codes(order),
            date_field="delivered_on",
        )


def _activities(country, partnership=None):
    queryset = Activity.objects.published().exclude(start=None).select_related("country")
    queryset = queryset.prefetch_related(
        "participations__country", "participations__organization__country"
    )
    if country:
        queryset = queryset.in_country(country)
    if partnership:
        queryset = queryset.in_partnership(partnership)
    for activity in queryset:
        codes = {activity.country.code} if activity.country else set()
        for participation in activity.participations.all():
            participant_country = participation.country or (
                participation.organization.country if participation.organization else None
            )
            if participant_country:
                codes.add(participant_country.code)
        title = activity.t.name
        if activity.is_cancelled:
            title = _("%(name)s (cancelled)") % {"name": activity.t.name}
        yield Entry(
            activity.started,
            "activity",
            title,
            activity,
            activity.get_absolute_url(),
            codes,
            date_field="start",
        )


def _events(country, partnership=None):
    queryset = Event.objects.published().prefetch_related("countries")
    if country:
        queryset = queryset.filter(countries=country)
    if partnership:
        queryset = queryset.in_partnership(partnership)
    for event in queryset:
        codes = {c.code for c in event.countries.all()}
        yield Entry(
            event.when,
            "event",
            event.t.title,
            event,
            event.get_absolute_url(),
            codes,
            date_field="date",
        )


def _appointments(country, partnership=None):
    queryset = (
        Appointment.objects.published()
        .exclude(start=None)
        .select_related("person__country", "organization")
    )
    if country:
        queryset = queryset.filter(Q(person__country=country) | Q(organization__country=country))
    if partnership:
        queryset = queryset.in_partnership(partnership)
    for appointment in queryset:
        person = appointment.person
        title = _("%(person)s becomes %(title)s (%(organization)s)") % {
            "person": person.name,
            "title": appointment.t.title,
            "organization": appointment.organization.short_name or appointment.organization.t.name,
        }
        codes = {person.country.code} if person.country else set()
        yield Entry(
            appointment.started,
            "appointment",
            title,
            appointment,
            person.get_absolute_url(),
            codes,
            date_field="start",
        )


def _memberships(country, partnership=None):
    queryset = (
        Membership.objects.published()
        .exclude(since=None)
        .select_related("country", "organization", "partnership")
    )
    if country:
        queryset = queryset.filter(country=country)
    if partnership:
        queryset = queryset.in_partnership(partnership)
    for membership in queryset:
        title = _("%(country)s joins %(partnership)s (%(role)s)") % {
            "country": membership.member.t.name,
            "partnership": membership.partnership,
            "role": membership.get_role_display().lower(),
        }
        yield Entry(
            membership.joined,
            "membership",
            title,
            membership,
            membership.partnership.get_absolute_url(),
            {membership.country.code} if membership.country_id else set(),
            date_field="since",
        )


def _programmes(country, partnership=None):
    queryset = (
        Programme.objects.published()
        .exclude(launched_on=None)
        .prefetch_related("participants__country")
    )
    if country:
        queryset = queryset.filter(participants__country=country).distinct()
    if partnership:
        queryset = queryset.in_partnership(partnership)
    for programme in queryset:
        codes = {p.country.code for p in programme.participants.all()}
        yield Entry(
            programme.launched,
            "programme",
            _("%(name)s programme launched") % {"name": programme.t.name},
            programme,
            programme.get_absolute_url(),
            codes,
            date_field="launched_on",
        )


def _organizations(country, partnership=None):
    queryset = Organization.objects.published().exclude(founded_on=None).select_related("country")
    if country:
        queryset = queryset.filter(country=country)
    if partnership:
        queryset = queryset.in_partnership(partnership)
    for organization in queryset:
        codes = {organization.country.code} if organization.country else set()
        yield Entry(
            organization.founded,
            "organization",
            _("%(name)s created") % {"name": organization.t.name},
            organization,
            organization.get_absolute_url(),
            codes,
            date_field="founded_on",
        )


SOURCES = {
    "agreement": _agreements,
    "order": _orders,
    "delivery": _deliveries,
    "activity": _activities,
    "event": _events,
    "appointment": _appointments,
    "membership": _memberships,
    "programme": _programmes,
    "organization": _organizations,
}


def build(*, kinds=None, country=None, partnership=None) -> list[Entry]:
    """Every published dated fact of the given kinds (all by default), about `country` if given,
    of `partnership` if given, in chronological order."""
    entries: list[Entry] = []
    for kind in kinds or SOURCES:
        entries.extend(SOURCES[kind](country, partnership))
    attach_claims(entries)
    return sorted(entries, key=lambda entry: (entry.when.sort_key(), entry.kind, entry.title))


def planned(*, country=None, partnership=None) -> list[Entry]:
    """The plans announced for orders (about `country` if given, of `partnership` if given)
    that no delivery has met yet, in the order they are due: kept apart from the dated facts."""
    queryset = Milestone.objects.published().filter(
        met_by=None, order__in=Order.objects.published()
    )
    queryset = _with_parties(queryset, "order__")
    if country:
        queryset = queryset.filter(order__in=Order.objects.filter(_bought_by(country)))
    if partnership:
        queryset = queryset.in_partnership(partnership)
    entries = []
    for milestone in queryset:
        order = milestone.order
        title = _("%(milestone)s: %(count)s for %(buyer)s") % {
            "milestone": milestone.get_kind_display(),
            "count": _count(milestone.quantity or order.quantity, order.system.t.name),
            "buyer": order.purchaser.t.name,
        }
        entries.append(
            Entry(
                milestone.planned,
                "planned",
                title,
                milestone,
                order.get_absolute_url(),
                _codes(order),
                until=milestone.until if milestone.planned_until else None,
                date_field="planned_on",
            )
        )
    attach_claims(entries)
    return sorted(entries, key=lambda entry: (entry.when.sort_key(), entry.title))


def period_label(when: PartialDate) -> str:
    if when.precision == Precision.DECADE:
        return str(when)
    return str(when.value.year)


def by_period(entries: list[Entry]) -> list[tuple[str, list[Entry]]]:
    return [
        (label, list(group))
        for label, group in groupby(entries, key=lambda entry: period_label(entry.when))
    ]
