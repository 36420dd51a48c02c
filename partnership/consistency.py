"""Checks that the figures of the dataset agree with each other (`manage.py check_data`).

What is checked, on every order, delivery and milestone in the database (drafts included):

- delivered above ordered: an order's disclosed deliveries add up to more than its quantity;
- status against deliveries: an order "approved" or "ordered" with deliveries recorded; "being
  delivered" with no delivery recorded while its deliveries are tracked; "completed" with fewer
  delivered than ordered when every delivery's quantity is disclosed and deliveries are tracked;
  "cancelled" with deliveries recorded;
- milestones: a milestone met by a delivery of another order;
- tranches: where a tranche (an agreement with a parent) and its parent agreement both have orders
  of the same buyer and system, the tranches' orders must not add up to more than the parent's;
- values stated by no citation: a claim no source is cited for; a value whose preferred claim
  states something else than the record holds (changed since it was cited), or whose claims name
  no preferred one.

The dataset states no total in a structured field (agreements and systems give their totals in
prose only), so no stated total is compared here; the one total stated in prose that the recorded
orders do not reach (France's 909 Griffon) is flagged on its order instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from .claims import unstated_values
from .models import Claim, Milestone, Order

DELIVERED_ABOVE_ORDERED = "delivered_above_ordered"
STATUS = "status_contradicts_deliveries"
MILESTONE = "milestone_met_by_another_order"
TRANCHES = "tranches_above_parent"
UNSTATED = "value_stated_by_no_citation"


@dataclass(frozen=True)
class Problem:
    kind: str
    record: str
    message: str

    def __str__(self):
        return f"{self.record}: {self.message}"


def _orders():
    return (
        Order.objects.select_related("agreement", "buyer", "buying_organization", "system")
        .annotate(
            disclosed=Coalesce(Sum("deliveries__quantity"), 0),
            deliveries_count=Count("deliveries"),
            undisclosed=Count("deliveries", filter=Q(deliveries__quantity__isnull=True)),
        )
        .order_by("slug")
    )


def check_orders(orders) -> list[Problem]:
    problems = []
    for order in orders:
        label = f"order {order.slug}"
        if order.disclosed > order.quantity:
            problems.append(
                Problem(
                    DELIVERED_ABOVE_ORDERED,
                    label,
                    f"{order.disclosed} delivered, more than the {order.quantity} ordered",
                )
            )
        status = order.order_status
        if order.deliveries_count and status in (
            Order.Status.APPROVED,
            Order.Status.ORDERED,
            Order.Status.CANCELLED,
        ):
            problems.append(
                Problem(
                    STATUS,
                    label,
                    f'status "{status}" but {order.deliveries_count} deliveries are recorded',
                )
            )
        if (
            status == Order.Status.DELIVERING
            and not order.deliveries_count
            and order.deliveries_tracked
        ):
            problems.append(
                Problem(STATUS, label, 'status "delivering" but no delivery is recorded (tracked)')
            )
        if (
            status == Order.Status.COMPLETED
            and order.deliveries_tracked
            and not order.undisclosed
            and order.disclosed < order.quantity
        ):
            problems.append(
                Problem(
                    STATUS,
                    label,
                    f'status "completed" but only {order.disclosed} of {order.quantity} '
                    "delivered, every quantity disclosed",
                )
            )
    return problems


def check_milestones() -> list[Problem]:
    milestones = (
        Milestone.objects.exclude(met_by=None)
        .exclude(met_by__order=F("order"))
        .select_related("order", "met_by__order")
    )
    return [
        Problem(
            MILESTONE,
            f"milestone {milestone.pk} of order {milestone.order.slug}",
            f"met by a delivery of order {milestone.met_by.order.slug}",
        )
        for milestone in milestones
    ]


def check_tranches(orders) -> list[Problem]:
    by_agreement: dict[int, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    agreements = {}
    for order in orders:
        if order.agreement_id and order.order_status != Order.Status.CANCELLED:
            buyer = order.buyer.code if order.buyer_id else order.buying_organization.slug
            by_agreement[order.agreement_id][(buyer, order.system.slug)] += order.quantity
            agreements[order.agreement_id] = order.agreement
    tranche_sums: dict[int, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    for agreement_id, sums in by_agreement.items():
        parent_id = agreements[agreement_id].parent_id
        if parent_id:
            for key, quantity in sums.items():
                tranche_sums[parent_id][key] += quantity
    problems = []
    for parent_id, sums in tranche_sums.items():
        parent = by_agreement.get(parent_id, {})
        for (buyer, system), quantity in sorted(sums.items()):
            if (buyer, system) in parent and quantity > parent[(buyer, system)]:
                problems.append(
                    Problem(
                        TRANCHES,
                        f"agreement {agreements[parent_id].slug}",
                        f"its tranches order {quantity} {system} for {buyer}, more than its own "
                        f"{parent[(buyer, system)]}",
                    )
                )
    return problems


def check_claims() -> list[Problem]:
    claims = Claim.objects.select_related("content_type").annotate(cited=Count("citations"))
    problems = []
    records: dict[tuple[int, int], object] = {}
    for claim in claims.order_by("content_type", "object_id", "field", "pk"):
        record = records.get((claim.content_type_id, claim.object_id))
        if record is None:
            model = claim.content_type.model_class()
            record = model._base_manager.filter(pk=claim.object_id).first()
            records[(claim.content_type_id, claim.object_id)] = record
        label = f"{claim.content_type.model} {getattr(record, 'slug', None) or claim.object_id}"
        if claim.cited == 0:
            problems.append(
                Problem(UNSTATED, label, f"{claim.field} = {claim.value!r} cites no source")
            )
    for (_type, _pk), record in records.items():
        if record is None:
            continue
        label = f"{record._meta.model_name} {getattr(record, 'slug', None) or record.pk}"
        for name in unstated_values(record):
            problems.append(
                Problem(
                    UNSTATED,
                    label,
                    f"{name}: no preferred claim states the value the record holds",
                )
            )
    return problems


def check() -> list[Problem]:
    """Every inconsistency in the database, in a stable order."""
    orders = list(_orders())
    return [
        *check_orders(orders),
        *check_milestones(),
        *check_tranches(orders),
        *check_claims(),
    ]
