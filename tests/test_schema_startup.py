"""/api/schema/ on a freshly started worker, with many requests at once: all 200."""

import contextlib
import threading

import pytest
from django.db import connections
from django.test import Client
from drf_spectacular import extensions, plumbing

from partnership.api.schema_view import SchemaView

ABSENT = "camo_absent_package.Missing"  # an optional extension whose package is not installed
BASES = [
    extensions.OpenApiAuthenticationExtension,
    extensions.OpenApiSerializerExtension,
    extensions.OpenApiSerializerFieldExtension,
    extensions.OpenApiViewExtension,
    extensions.OpenApiFilterExtension,
]
REQUESTS = 12


@pytest.fixture
def fresh_worker(monkeypatch):
    """drf-spectacular's extensions as a worker starts: their targets not imported yet; and no
    schema generated. Two requests reaching the first missing target meet there, as they may
    when a burst of requests reaches a new worker."""
    saved = []
    for base in BASES:
        for extension in base._registry:
            target = extension.__dict__.get("target_class", AttributeError)
            saved.append((extension, target))
            if isinstance(target, type):
                extension.target_class = f"{target.__module__}.{target.__qualname__}"
            elif target is None:
                extension.target_class = ABSENT
    meeting = threading.Barrier(2)
    real_import = plumbing.import_string

    def import_string(path):
        if path == ABSENT and not meeting.broken:
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting.wait(timeout=1)
            meeting.abort()  # once: later imports go straight through
        return real_import(path)

    monkeypatch.setattr(plumbing, "import_string", import_string)
    SchemaView.forget()
    yield
    for extension, target in saved:
        if target is AttributeError:
            if "target_class" in extension.__dict__:
                delattr(extension, "target_class")  # inherited, as it was
        else:
            extension.target_class = target


@pytest.mark.django_db
def test_simultaneous_requests_to_a_fresh_schema_view_all_succeed(fresh_worker, settings):
    # The test database is SQLite in memory, whose tables lock across threads: the rate limits
    # and the content version are counted in this process's memory here.
    memory = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    settings.CACHES = settings.CACHES | {"throttle": memory, "shared": memory}
    statuses: list = [None] * REQUESTS
    start = threading.Barrier(REQUESTS)

    def fetch(index):
        client = Client(raise_request_exception=False)
        start.wait(timeout=30)
        try:
            statuses[index] = client.get("/api/schema/?format=json").status_code
        finally:
            # The schema reads the site's name: each thread's own database connection is
            # closed with it, not left to the garbage collector (a ResourceWarning later).
            # Django ignores close() on an in-memory SQLite database, so close the driver's
            # connection itself (the main thread's keeps the database alive).
            for each in connections.all(initialized_only=True):
                if each.connection is not None:
                    each.connection.close()
                    each.connection = None

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [200] * REQUESTS
