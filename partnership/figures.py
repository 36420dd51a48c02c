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

from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .charts import Series
from .claims import approximate, disputed
from .models import Country, Order, OrderShare, Organization, ProgrammeParticipant
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
    """The published orders the figures add up, annotated by `with_progress`, with their buyer
    and system selected and their shares prefetched: those of `partnership` when given (and, as
    context, the national orders of its programmes' lead countries for those programmes'
    systems, which `key_figures` marks as such), else of every partnership."""
    orders = Order.objects.published()
    if partnership is not None:
        national = Q(pk__in=[])
        for programme, country in context_pairs(partnership):
            national |= Q(system__programme=programme, buyer=country)
        own = Order.objects.published().in_partnership(partnership).values("pk")
        orders = orders.filter(Q(pk__in=own) | national)
    return with_shares(
        with_progress(orders).select_related("buyer", "buying_organization", "system")
    )


def with_shares(orders):
    """Prefetch the shares readers may see of each order (pooled orders), with their holders."""
    return orders.prefetch_related(
        Prefetch("shares", OrderShare.objects.published().select_related("country", "organization"))
    )


@dataclass
class Portion:
    """What one party (a country, or an organization) gets of an order: the whole order for
    its buyer, or a share of a pooled order."""

    party: object
    order: Order
    quantity: int
    progress: Progress
    whole: bool  # the whole order: its deliveries are this party's
    tracked: bool
    uncertain: bool = False


def portions(order: Order) -> list[Portion]:
    """An order split between the parties it is for. An order without shares is its buyer's
    (country or organization). A pooled order counts for each holder of a share, with the
    share's quantity when given; what the shares leave over stays with the buyer. Deliveries of a
    pooled order are not attributed to the shares: once some are recorded, each share's progress
    reads "not tracked" rather than a guess. Needs `shares` prefetched (`with_shares`)."""
    if "shares" in getattr(order, "_prefetched_objects_cache", {}):
        shares = list(order.shares.all())
    else:
        shares = list(OrderShare.objects.published().filter(order=order))
    shares = [share for share in shares if share.holder is not None]
    whole = Progress.of(order) if counts_as_ordered(order) else Progress()
    if not shares:
        return [
            Portion(
                order.purchaser,
                order,
                order.quantity,
                whole,
                True,
                order.deliveries_tracked,
                order.quantity_uncertain,
            )
        ]
    started = bool(whole.delivered or whole.undisclosed or whole.untracked)
    result = []
    for share in shares:
        quantity = share.quantity or 0
        progress = Progress(ordered=quantity, untracked=int(started), orders=1)
        if not counts_as_ordered(order):
            progress = Progress()
        result.append(
            Portion(
                share.holder,
                order,
                quantity,
                progress,
                False,
                not started,
                order.quantity_uncertain or share.quantity is None,
            )
        )
    left = order.quantity - sum(share.quantity or 0 for share in shares)
    if left > 0 and all(share.quantity is not None for share in shares):
        progress = Progress(ordered=left, untracked=int(started), orders=1)
        if not counts_as_ordered(order):
            progress = Progress()
        result.append(
            Portion(
                order.purchaser, order, left, progress, False, not started, order.quantity_uncertain
            )
        )
    return result


def is_context(order: Order, pairs: set[tuple[int, int]], party=None) -> bool:
    party = party if party is not None else order.purchaser
    return isinstance(party, Country) and (order.system.programme_id, party.pk) in pairs


def key_figures(
    orders: Iterable[Order], pairs: set[tuple[int, int]] | None = None, *, party=None
) -> list[dict]:
    """Ordered, approved and delivered quantities per party (the buying country or
    organization, or the holder of a share of a pooled order) and system, from orders annotated
    by `with_progress` (with `buyer`, `buying_organization` and `system` selected, `shares`
    prefetched). Each row says whether it is context (`pairs` from `context_pairs()`; none when
    not given). With `party`, only that party's rows."""
    pairs = pairs or set()
    figures: dict[tuple, dict] = {}
    for order in orders:
        if order.order_status == Order.Status.CANCELLED:
            continue
        for portion in portions(order):
            if party is not None and portion.party != party:
                continue
            row = figures.setdefault(
                (type(portion.party), portion.party.pk, order.system_id),
                {
                    "country": portion.party,
                    "system": order.system,
                    "ordered": 0,
                    "approved": 0,
                    "progress": Progress(),
                    "uncertain": False,
                    "context": is_context(order, pairs, portion.party),
                },
            )
            if counts_as_ordered(order):
                row["ordered"] += portion.quantity
                row["progress"] += portion.progress
            else:
                row["approved"] += portion.quantity
            row["uncertain"] |= portion.uncertain
    return sorted(
        figures.values(),
        key=lambda row: (row["context"], row["country"].t.name, -row["ordered"], -row["approved"]),
    )


def split_figures(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(partnership rows, context rows)."""
    return [row for row in rows if not row["context"]], [row for row in rows if row["context"]]


def chart_series(orders: Iterable[Order]) -> list[Series]:
    """One chart series per party, counting the same orders as `key_figures` (an order without a
    date cannot be placed on a time axis and is left out). Orders need `buyer` and
    `buying_organization` selected, their readable `deliveries` and `shares` prefetched."""
    by_party: dict[tuple, list[Portion]] = {}
    for order in orders:
        if counts_as_ordered(order) and order.ordered_on:
            for portion in portions(order):
                key = (type(portion.party), portion.party.pk)
                by_party.setdefault(key, []).append(portion)
    return [
        Series(
            label=group[0].party.t.name,
            ordered=[(portion.order.ordered, portion.quantity) for portion in group],
            delivered=[
                (delivery.delivered, delivery.quantity)
                for portion in group
                if portion.whole
                for delivery in portion.order.deliveries.all()
            ],
            tracked=all(portion.tracked for portion in group),
        )
        for group in by_party.values()
    ]
