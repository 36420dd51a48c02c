"""Validators and cached API answers follow every change: child rows, scheduled records coming
due, and writes made through another worker (partnership/caching.py)."""

import datetime
from unittest import mock

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from partnership import caching
from partnership.models import Order, Status
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def as_of_a_minute_ago(into=None):
    """The content last changed a minute ago (validators have a one-second resolution: a change
    in the same second as the previous answer could not move them)."""
    (into or caching.shared_cache()).set(
        caching.VERSION_KEY,
        {"version": "a-minute-ago", "changed": timezone.now() - datetime.timedelta(minutes=1)},
        None,
    )


@pytest.mark.parametrize("detail", [False, True], ids=["list", "detail"])
def test_a_new_delivery_moves_the_order_validators(api, detail):
    order = Order.objects.visible_to(None).filter(deliveries__isnull=False).first()
    path = (
        f"/api/v1/orders/{order.slug}/" if detail else f"/api/v1/orders/?system={order.system.slug}"
    )
    as_of_a_minute_ago()
    first = api.get(path)
    assert first.status_code == 200
    day = datetime.date(2030, 1, 1)
    factories.delivery(order=order, delivered_on=day, quantity=None)
    again = api.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200, "a new delivery, and still 304 Not Modified"
    assert again["ETag"] != first["ETag"]
    assert again["Last-Modified"] != first["Last-Modified"]
    assert "2030" in again.content.decode()  # the answer itself is not a stale cached one


def test_a_scheduled_record_coming_due_is_not_a_304(api):
    now = timezone.now()
    system = factories.system(publish_at=now + datetime.timedelta(hours=1))
    path = "/api/v1/systems/?page_size=100"
    as_of_a_minute_ago()
    before = api.get(path)
    assert system.slug not in before.content.decode()
    later = now + datetime.timedelta(hours=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        after = api.get(path, HTTP_IF_MODIFIED_SINCE=before["Last-Modified"])
        assert after.status_code == 200, "the record came due, and still 304 Not Modified"
        assert system.slug in after.content.decode()
        detail = api.get(f"/api/v1/systems/{system.slug}/")
        assert detail.status_code == 200


def test_a_withdrawal_and_an_edit_reach_the_cached_answers(api):
    system = factories.system()
    path = f"/api/v1/systems/{system.slug}/"
    assert api.get(path).status_code == 200
    system.name = "Renamed system"
    system.save()
    assert "Renamed system" in api.get(path).content.decode()
    system.status = Status.WITHDRAWN
    system.save()
    assert api.get(path).status_code == 410


def redis_cache():
    try:
        import redis  # noqa: F401
    except ImportError:
        pytest.skip("the redis client is not installed")
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
        "KEY_PREFIX": f"camo-test-freshness-{timezone.now().timestamp()}",
    }


DATABASE_CACHE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "camo_test_shared_cache",
}


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_a_write_through_one_worker_is_seen_by_another(api, settings, backend):
    shared = DATABASE_CACHE if backend == "database" else redis_cache()
    # Two workers: two cache instances on one backend. This process writes through "shared".
    settings.CACHES = settings.CACHES | {"shared": shared, "other_worker": shared}
    if backend == "database":
        call_command("createcachetable", verbosity=0)
    other = caches["other_worker"]
    try:
        as_of_a_minute_ago(into=other)
        seen = caching.stamp(other)
        order = Order.objects.visible_to(None).first()
        assert api.get(f"/api/v1/orders/{order.slug}/").status_code == 200
        factories.delivery(order=order, delivered_on=datetime.date(2030, 1, 1), quantity=None)
        now_seen = caching.stamp(other)
        assert now_seen.token != seen.token
        assert now_seen.last_modified > seen.last_modified
    finally:
        other.delete(caching.VERSION_KEY)
