"""Plans are kept apart from what happened: an order's planned milestones are listed as plans on
its page and on the timeline, and leave the plans once a delivery meets them."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from partnership import timeline
from tests import factories

pytestmark = pytest.mark.django_db


def page(path):
    response = Client().get(path)
    assert response.status_code == 200
    return response.content.decode()


def order_page(order, language="en"):
    with translation.override(language):
        return page(order.get_absolute_url())


def section(html, heading):
    """The text of the page from the heading `heading` to the next heading."""
    text = re.sub(r"<[^>]+>", "", html)
    start = text.index(heading)
    following = re.search(r"\n\s*(Deliveries|Sources|Planned)\s*\n", text[start + len(heading) :])
    return text[start : start + len(heading) + (following.start() if following else len(text))]


@pytest.fixture
def order():
    record = factories.order(quantity=40, system=factories.system(name="Trialcar"))
    factories.cite(record)
    return record


def plan(order, **kwargs):
    milestone = factories.milestone(
        order=order,
        planned_on=datetime.date(2027, 1, 1),
        planned_on_precision=2,
        planned_until=datetime.date(2029, 1, 1),
        planned_until_precision=2,
        **kwargs,
    )
    factories.cite(milestone)
    return milestone


def test_a_plan_is_listed_as_planned_not_as_a_delivery(order):
    plan(order)
    html = order_page(order)
    planned = section(html, "Planned")
    assert "Deliveries: 2027–2029" in planned
    assert "not facts until they happen" in planned
    deliveries = section(html, "Deliveries\n")
    assert "2027" not in deliveries and "No delivery recorded yet." in deliveries


def test_a_plan_met_by_a_delivery_leaves_the_plans(order):
    milestone = plan(order)
    delivery = factories.delivery(order=order, quantity=10, delivered_on=datetime.date(2027, 3, 2))
    milestone.met_by = delivery
    milestone.save()
    html = order_page(order)
    assert "Planned\n" not in re.sub(r"<[^>]+>", "", html)
    assert "planned for 2027, happened on 2 March 2027" in html
    assert not [e for e in timeline.planned() if e.record.pk == milestone.pk]


def test_the_timeline_keeps_plans_apart_from_dated_facts(order):
    milestone = plan(order)
    with translation.override("en"):
        html = page(reverse("partnership:timeline"))
    planned = html[html.index('id="planned-heading"') :]
    assert "Deliveries: 40 × Trialcar for" in planned
    assert "2027–2029" in planned
    facts = html[: html.index('id="planned-heading"')]
    assert "Deliveries: 40 × Trialcar" not in facts  # the order itself is a dated fact
    assert [e.until for e in timeline.planned() if e.record.pk == milestone.pk]


def test_a_disputed_plan_date_is_marked_on_that_date_only(order):
    milestone = plan(order)
    factories.claim(milestone, "planned_on", "2027")
    factories.claim(milestone, "planned_on", "2028", rank="normal")
    (entry,) = [e for e in timeline.planned() if e.record.pk == milestone.pk]
    assert entry.is_uncertain
    html = order_page(order)
    assert "2028" in html[html.index('class="disputed"') :]


def test_a_draft_order_s_plans_stay_hidden(order):
    order.status = "draft"
    order.save()
    milestone = plan(order)
    assert not [e for e in timeline.planned() if e.record.pk == milestone.pk]


def test_the_source_of_a_plan_links_to_its_order(order):
    milestone = plan(order)
    source = milestone.citations.get().source
    with translation.override("en"):
        html = page(source.get_absolute_url())
    item = re.search(r"<li>Planned milestone: Deliveries: 2027–2029 — <a href=\"([^\"]+)\">", html)
    assert item, "the plan is named, with a link"
    with translation.override("en"):
        assert item.group(1) == order.get_absolute_url()
