"""Ordered and delivered quantities, computed in one place for every page, chart and the API.

Delivery progress has three honest states besides plain counts: deliveries whose number was not
disclosed (a Delivery with no quantity), and orders whose deliveries this knowledge base does not
follow (`Order.deliveries_tracked` off). Neither is ever shown as 0 or 0 %.

Headline figures keep apart the CaMo orders (Belgium, Luxembourg) and the national orders of a
programme's lead country (France's own Scorpion orders), shown for context and never added to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .charts import Series
from .claims import approximate, disputed
from .models import Order, Organization, ProgrammeParticipant
from .models.base import publication_q

DISCLOSED = "disclosed"  # every delivery's number is known (possibly none delivered yet)
UNDISCLOSED = "undisclosed"  # deliveries started, some numbers not disclosed
NOT_TRACKED = "not_tracked"  # this knowledge base does not follow the deliveries


def with_progress(orders):
    """Annotate `delivered_quantity` (sum of the disclosed quantities) and
    `undisclosed_deliveries` (how many deliveries gave no number), counting only the deliveries
    readers may see; and `quantity_uncertain` (the quantity ordered is disputed or approximate)."""
    visible = Q(deliveries__recipient=None) | publication_q(
        Organization, now=timezone.now(), prefix="deliveries__recipient__"
    )
    return orders.annotate(
        delivered_quantity=Coalesce(Sum("deliveries__quantity", filter=visible), 0),
        undisclosed_deliveries=Count(
            "deliveries", filter=visible & Q(deliveries__quantity__isnull=True)
        ),
        quantity_uncertain=ExpressionWrapper(
            disputed(Order, "quantity") | approximate(Order, "quantity"),
            output_field=BooleanField(),
        ),
    )


@dataclass
class Progress:
    """Deliveries against an order, or a group of orders."""

    ordered: int = 0
    delivered: int = 0  # disclosed quantities only
    undisclosed: int = 0  # deliveries whose number was not disclosed
    untracked: int = 0  # orders whose deliveries are not followed here
    orders: int = 0

    @classmethod
    def of(cls, order: Order) -> Progress:
        """The progress of one order annotated by `with_progress` (else one query)."""
        if not hasattr(order, "undisclosed_deliveries"):
            order = with_progress(Order.objects.filter(pk=order.pk)).get()
        return cls(
            ordered=order.quantity,
            delivered=order.delivered_quantity,
            undisclosed=order.undisclosed_deliveries,
            untracked=0 if order.deliveries_tracked else 1,
            orders=1,
        )

    def __add__(self, other: Progress) -> Progress:
        return Progress(
            self.ordered + other.ordered,
            self.delivered + other.delivered,
            self.undisclosed + other.undisclosed,
            self.untracked + other.untracked,
            self.orders + other.orders,
        )

    @property
    def state(self) -> str:
        if self.untracked:
            return NOT_TRACKED
        if self.undisclosed:
            return UNDISCLOSED
        return DISCLOSED

    @property
    def is_known(self) -> bool:
        """Whether `delivered` is the whole truth, so that a share of the order can be shown."""
        return self.state == DISCLOSED

    @property
    def percent(self) -> int | None:
        if not self.is_known or not self.ordered:
            return None
        return round(100 * self.delivered / self.ordered)


def counts_as_ordered(order: Order) -> bool:
    """Whether `order` adds to the quantity ordered: not cancelled, and no longer only approved."""
    return order.order_status not in (Order.Status.CANCELLED, Order.Status.APPROVED)


def context_pairs(partnership=None) -> set[tuple[int, int]]:
    """(programme, country) of each programme's lead country (of `partnership`'s programmes
    when given): the national orders of that country for that programme's systems are context,
    not partnership orders. One query."""
    participants = ProgrammeParticipant.objects.published().filter(
        role=ProgrammeParticipant.Role.LEAD
    )
    if partnership is not None:
        participants = participants.in_partnership(partnership)
    return set(participants.values_list("programme_id", "country_id"))


def orders_of(partnership=None):
    """The published orders the figures add up, annotated by `with_progress`, with `buyer` and
    `system` selected: those of `partnership` when given, else of every partnership."""
    orders = Order.objects.published()
    if partnership is not None:
        orders = orders.in_partnership(partnership)
    return with_progress(orders).select_related("buyer", "system")


def is_context(order: Order, pairs: set[tuple[int, int]]) -> bool:
    return (order.system.programme_id, order.buyer_id) in pairs


def key_figures(orders: Iterable[Order], pairs: set[tuple[int, int]] | None = None) -> list[dict]:
    """Ordered, approved and delivered quantities per buyer and system, from orders annotated by
    `with_progress` (with `buyer` and `system` selected). Each row says whether it is context
    (`pairs` from `context_pairs()`; none when not given)."""
    pairs = pairs or set()
    figures: dict[tuple, dict] = {}
    for order in orders:
        if order.order_status == Order.Status.CANCELLED:
            continue
        row = figures.setdefault(
            (order.buyer_id, order.system_id),
            {
                "country": order.buyer,
                "system": order.system,
                "ordered": 0,
                "approved": 0,
                "progress": Progress(),
                "uncertain": False,
                "context": is_context(order, pairs),
            },
        )
        if counts_as_ordered(order):
            row["ordered"] += order.quantity
            row["progress"] += Progress.of(order)
        else:
            row["approved"] += order.quantity
        row["uncertain"] |= order.quantity_uncertain
    return sorted(
        figures.values(),
        key=lambda row: (row["context"], row["country"].t.name, -row["ordered"], -row["approved"]),
    )


def split_figures(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(partnership rows, context rows)."""
    return [row for row in rows if not row["context"]], [row for row in rows if row["context"]]


def chart_series(orders: Iterable[Order]) -> list[Series]:
    """One chart series per buyer, counting the same orders as `key_figures` (an order without a
    date cannot be placed on a time axis and is left out). Orders need `buyer` selected and their
    readable `deliveries` prefetched."""
    by_buyer: dict[int, list[Order]] = {}
    for order in orders:
        if counts_as_ordered(order) and order.ordered_on:
            by_buyer.setdefault(order.buyer_id, []).append(order)
    return [
        Series(
            label=group[0].buyer.t.name,
            ordered=[(order.ordered, order.quantity) for order in group],
            delivered=[
                (delivery.delivered, delivery.quantity)
                for order in group
                for delivery in order.deliveries.all()
            ],
            tracked=all(order.deliveries_tracked for order in group),
        )
        for group in by_buyer.values()
    ]
