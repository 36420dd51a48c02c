"""API rate limits counted in the shared "throttle" cache (settings.CACHES): every worker adds to
the same count, so the documented rate holds however many workers serve the API.

A client is told apart by its address: REMOTE_ADDR, or the address the trusted proxies put in
X-Forwarded-For when settings say how many there are (DJANGO_NUM_PROXIES). A 429 says when to
try again (`Retry-After`, in seconds).
"""

from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from rest_framework import throttling

THROTTLE_CACHE = "throttle"

# Resolved on each use, per thread, like django.core.cache.cache.
shared_cache = ConnectionProxy(caches, THROTTLE_CACHE)


class AnonRateThrottle(throttling.AnonRateThrottle):
    cache = shared_cache


class UserRateThrottle(throttling.UserRateThrottle):
    """Signed-in clients only: anonymous ones are AnonRateThrottle's (its rate is the lower)."""

    cache = shared_cache

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
