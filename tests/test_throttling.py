"""API rate limits that hold: counted in a cache every worker shares, per client address that a
client cannot choose, with `Retry-After` on every 429."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from partnership.api import throttling
from tests.test_api import staff

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 3


@pytest.fixture
def low_limits(monkeypatch):
    """Three requests a minute (the rates are read once, when DRF's throttles are defined)."""
    rates = {"anon": f"{LIMIT}/minute", "user": f"{LIMIT}/minute"}
    for throttle in (throttling.AnonRateThrottle, throttling.UserRateThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", rates)


def exhaust(api, **headers):
    statuses = [api.get("/api/v1/countries/", **headers).status_code for _ in range(LIMIT)]
    assert statuses == [200] * LIMIT


def assert_throttled(response):
    assert response.status_code == 429, response.content[:200]
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


class TestClientIdentity:
    def test_a_rotating_x_forwarded_for_does_not_dodge_the_limit(self, low_limits):
        api = APIClient()
        exhaust(api)
        for number in range(1, 21):
            assert_throttled(
                api.get("/api/v1/countries/", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
            )

    def test_by_default_no_proxy_is_trusted(self, settings):
        assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0

    def test_behind_a_trusted_proxy_clients_are_told_apart_by_its_header(
        self, low_limits, settings
    ):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
        api = APIClient()
        # The proxy appends the address it saw; what the client wrote before it is not trusted.
        exhaust(api, HTTP_X_FORWARDED_FOR="203.0.113.7")
        for forged in ("10.0.0.1", "10.0.0.2"):
            assert_throttled(
                api.get("/api/v1/countries/", HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.7")
            )
        other = api.get("/api/v1/countries/", HTTP_X_FORWARDED_FOR="203.0.113.8")
        assert other.status_code == 200

    def test_signed_in_clients_are_limited_per_account_with_retry_after(
        self, low_limits, django_user_model
    ):
        api = APIClient()
        api.force_authenticate(staff(django_user_model, "view_country"))
        exhaust(api)
        assert_throttled(api.get("/api/v1/countries/", HTTP_X_FORWARDED_FOR="198.51.100.1"))
        # Another client, anonymous, is not counted with that account.
        assert APIClient().get("/api/v1/countries/").status_code == 200


def a_worker():
    """A throttle as another worker process has it: its own connection to the shared cache."""
    throttle = throttling.AnonRateThrottle()
    throttle.cache = caches.create_connection(throttling.THROTTLE_CACHE)
    return throttle


def anonymous_request(address="192.0.2.10"):
    return Request(APIRequestFactory().get("/api/v1/countries/", REMOTE_ADDR=address))


class TestSharedCount:
    def test_the_count_is_kept_outside_each_workers_memory(self):
        backend = caches[throttling.THROTTLE_CACHE]
        assert isinstance(backend, (DatabaseCache, RedisCache))
        assert throttling.AnonRateThrottle.cache._connections is caches
        assert throttling.UserRateThrottle.cache._alias == throttling.THROTTLE_CACHE

    def test_two_workers_count_together(self, low_limits):
        first, second = a_worker(), a_worker()
        assert first.cache is not second.cache
        assert [first.allow_request(anonymous_request(), None) for _ in range(2)] == [True] * 2
        assert second.allow_request(anonymous_request(), None) is True
        # The fourth request, wherever it lands, is over the limit of three.
        assert first.allow_request(anonymous_request(), None) is False
        assert a_worker().allow_request(anonymous_request(), None) is False
        assert a_worker().allow_request(anonymous_request("192.0.2.11"), None) is True

    def test_what_the_api_counted_another_worker_sees(self, low_limits):
        exhaust(APIClient(), REMOTE_ADDR="192.0.2.20")
        assert a_worker().allow_request(anonymous_request("192.0.2.20"), None) is False


def settings_in_a_fresh_process(code, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in {"DATABASE_URL", "REDIS_URL"}
    } | env
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


class TestConfiguration:
    CODE = (
        "from django.conf import settings; "
        "print(settings.CACHES['throttle']['BACKEND'], settings.REST_FRAMEWORK['NUM_PROXIES'])"
    )

    def test_redis_when_redis_url_is_set_and_a_trusted_proxy_count(self):
        result = settings_in_a_fresh_process(
            self.CODE, REDIS_URL="redis://127.0.0.1:6379/5", DJANGO_NUM_PROXIES="1"
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["django.core.cache.backends.redis.RedisCache", "1"]

    def test_the_database_otherwise_and_no_trusted_proxy(self):
        result = settings_in_a_fresh_process(self.CODE)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["django.core.cache.backends.db.DatabaseCache", "0"]

    def test_a_malformed_proxy_count_is_refused(self):
        result = settings_in_a_fresh_process(self.CODE, DJANGO_NUM_PROXIES="all")
        assert result.returncode != 0
        assert "DJANGO_NUM_PROXIES must be a number of proxies" in result.stderr
