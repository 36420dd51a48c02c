import pytest

from partnership.loading import Loader


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database starts with the real CaMo dataset, loaded once per run."""
    with django_db_blocker.unblock():
        Loader.from_file().run()


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Code run outside a request (models, services) speaks English in tests. Without this the
    active language is whatever the last request in the thread left, and messages change with
    test order. Requests still choose their own language (URL prefix, Accept-Language)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_cache(request):
    """Each test starts with an empty cache: the anonymous API rate limit would otherwise count
    the requests of every test before it, and fail tests by their order. The rate limits are
    counted in the database (a table of its own) in tests that may use it."""
    from django.core.cache import cache, caches

    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
    } & set(request.fixturenames)
    cleared = [cache, caches["throttle"]] if uses_db else [cache]
    for each in cleared:
        each.clear()
    yield
    for each in cleared:
        each.clear()


@pytest.fixture
def client():
    """Staff-facing pages (admin, API errors) in English: the tests read their messages.
    Public pages are language-prefixed, so /fr/ pages are French whatever this header says."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def contributor(db):
    from tests import factories

    return factories.staff("Contributor")


@pytest.fixture
def editor(db):
    from tests import factories

    return factories.staff("Editor")
