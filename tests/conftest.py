import pytest

from partnership.loading import Loader


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database starts with the real CaMo dataset, loaded once per run."""
    with django_db_blocker.unblock():
        Loader.from_file().run()
