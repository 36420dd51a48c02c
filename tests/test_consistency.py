"""`manage.py check_data`: the real dataset passes; each kind of inconsistency is reported."""

import pytest
from django.core.management import CommandError, call_command

from partnership import consistency
from partnership.models import Milestone, Order
from tests import factories

pytestmark = pytest.mark.django_db


def problems_about(record: str) -> list[consistency.Problem]:
    return [problem for problem in consistency.check() if record in problem.record]


def test_the_real_dataset_is_consistent(capsys):
    call_command("check_data")
    assert "consistent" in capsys.readouterr().out


def test_the_command_fails_with_the_list_of_problems():
    order = factories.order(quantity=2, order_status=Order.Status.ORDERED)
    factories.delivery(order=order, quantity=1)
    with pytest.raises(CommandError) as error:
        call_command("check_data")
    assert f"order {order.slug}" in str(error.value)
    assert "1 inconsistencies" in str(error.value)


def test_delivered_above_ordered():
    order = factories.order(quantity=2, order_status=Order.Status.DELIVERING)
    # Saved without clean(), as a bulk load or a bad import would.
    factories.delivery(order=order, quantity=2)
    factories.delivery(order=order, quantity=1)
    [problem] = problems_about(order.slug)
    assert problem.kind == consistency.DELIVERED_ABOVE_ORDERED
    assert "3 delivered, more than the 2 ordered" in problem.message


@pytest.mark.parametrize("status", [Order.Status.APPROVED, Order.Status.ORDERED])
def test_not_yet_ordered_or_delivering_with_a_delivery(status):
    order = factories.order(order_status=status)
    factories.delivery(order=order, quantity=None)
    [problem] = problems_about(order.slug)
    assert problem.kind == consistency.STATUS


def test_delivering_without_any_delivery_when_tracked():
    tracked = factories.order(order_status=Order.Status.DELIVERING)
    untracked = factories.order(order_status=Order.Status.DELIVERING, deliveries_tracked=False)
    assert [problem.kind for problem in problems_about(tracked.slug)] == [consistency.STATUS]
    assert problems_about(untracked.slug) == []


def test_completed_with_fewer_disclosed_deliveries_than_ordered():
    short = factories.order(quantity=10, order_status=Order.Status.COMPLETED)
    factories.delivery(order=short, quantity=9)
    # With a number not disclosed, the total is unknown: nothing to say.
    unknown = factories.order(quantity=10, order_status=Order.Status.COMPLETED)
    factories.delivery(order=unknown, quantity=9)
    factories.delivery(order=unknown, quantity=None)
    full = factories.order(quantity=10, order_status=Order.Status.COMPLETED)
    factories.delivery(order=full, quantity=10)
    assert [problem.kind for problem in problems_about(short.slug)] == [consistency.STATUS]
    assert problems_about(unknown.slug) == []
    assert problems_about(full.slug) == []


def test_milestone_met_by_a_delivery_of_another_order():
    order = factories.order(order_status=Order.Status.DELIVERING)
    own = factories.delivery(order=order)
    other = factories.delivery(order=factories.order(order_status=Order.Status.DELIVERING))
    good = Milestone.objects.create(
        order=order, kind=Milestone.Kind.FIRST_DELIVERY, planned_on=own.delivered_on, met_by=own
    )
    wrong = Milestone.objects.create(
        order=order, kind=Milestone.Kind.DELIVERIES, planned_on=own.delivered_on, met_by=other
    )
    [problem] = problems_about(f"of order {order.slug}")
    assert problem.kind == consistency.MILESTONE
    assert problem.record == f"milestone {wrong.pk} of order {order.slug}"
    assert other.order.slug in problem.message
    assert good.pk != wrong.pk


def test_tranches_ordering_more_than_their_parent_agreement():
    parent = factories.agreement()
    buyer, system = factories.country(), factories.system()
    factories.order(agreement=parent, buyer=buyer, system=system, quantity=100)
    for quantity in (60, 50):
        tranche = factories.agreement(parent=parent, partnership=parent.partnership)
        factories.order(agreement=tranche, buyer=buyer, system=system, quantity=quantity)
    [problem] = problems_about(f"agreement {parent.slug}")
    assert problem.kind == consistency.TRANCHES
    assert "110" in problem.message and "100" in problem.message


def test_a_claim_no_source_is_cited_for():
    order = factories.order(quantity=12, order_status=Order.Status.ORDERED)
    factories.claim(order, "quantity", "12", sources=0)
    [problem] = problems_about(order.slug)
    assert problem.kind == consistency.UNSTATED
    assert "quantity = '12' cites no source" in problem.message


def test_a_value_changed_since_its_claim_was_cited():
    order = factories.order(quantity=12, order_status=Order.Status.ORDERED)
    factories.claim(order, "quantity", "12")
    Order.objects.filter(pk=order.pk).update(quantity=14)
    [problem] = problems_about(order.slug)
    assert problem.kind == consistency.UNSTATED
    assert problem.message.startswith("quantity: no preferred claim")


def test_competing_claims_with_no_preferred_one():
    order = factories.order(quantity=12, order_status=Order.Status.ORDERED)
    factories.claim(order, "quantity", "12", rank="normal")
    factories.claim(order, "quantity", "13", rank="normal")
    assert [problem.kind for problem in problems_about(order.slug)] == [consistency.UNSTATED]
