"""The seed public pages: published records only, bad slugs and drafts are 404s."""

import pytest
from django.urls import reverse

from partnership.models import Order, Status, System
from tests import factories

pytestmark = pytest.mark.django_db


def test_home_lists_the_dataset(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = client.get(reverse("partnership:home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Griffon" in page
    assert "382" in page


def test_home_query_count_does_not_grow_with_orders(client, django_assert_max_num_queries):
    for _ in range(5):
        factories.order()
    with django_assert_max_num_queries(10):
        assert client.get(reverse("partnership:home")).status_code == 200


def test_a_record_page_shows_its_facts_and_numbered_sources(client, django_assert_max_num_queries):
    order = Order.objects.get(slug="be-griffon-camo-1")
    with django_assert_max_num_queries(12):
        response = client.get(order.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert "382" in page
    assert '<ol class="sources">' in page
    assert order.citations.first().source.title in page


def test_a_draft_is_a_404_for_readers(client):
    draft = factories.system(status=Status.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert draft.name not in client.get(reverse("partnership:home")).content.decode()


def test_an_unknown_slug_is_a_404_page(client):
    response = client.get(reverse("partnership:system", kwargs={"slug": "no-such-system"}))
    assert response.status_code == 404


def test_pages_are_served_under_a_strict_content_security_policy(client):
    response = client.get(reverse("partnership:home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert System.objects.published().exists()
