"""Rules that must hold when two writers act at the same moment.

Each two-writer test runs two threads, each with its own database connection and client. A
barrier placed right after the check (the read) makes both writers read before either writes,
as two requests racing would. With the row lock in place the second writer cannot reach the
barrier (it waits at the lock): the first one's wait times out, it writes and commits, and the
second then reads what the first wrote and is refused. Without the lock both pass the barrier
and both write, and the test fails.
"""

import contextlib
import sqlite3
import threading
from unittest import mock

import pytest
from django.db import connection, connections
from django.test import Client

from partnership.admin.forms import ConcurrencyForm
from partnership.models import Delivery, System, equipment
from tests import factories
from tests.admin_forms import change_url, page_form

# How long the first writer waits for the second at the barrier. Only a correct run waits this
# long (the second writer is held at the lock); the outcome does not depend on it.
BARRIER_WAIT = 2.0

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason=(
        "SQLite's in-memory test database is shared between threads in shared-cache mode, whose "
        "table locks fail at once instead of waiting; SQLite's writers are serialized by their "
        "IMMEDIATE transactions, tested on a database file below."
    ),
)


def meet(barrier: threading.Barrier) -> None:
    """Wait for the other writer; go on alone if it is held elsewhere (at a lock)."""
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=BARRIER_WAIT)


def race(*writers):
    """Run each writer in its own thread (its own connection); their results in order."""
    results: list = [None] * len(writers)

    def run(index, writer):
        try:
            results[index] = writer()
        except Exception as error:  # reported, so the test fails with it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def logged_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def superuser(django_user_model):
    # Not a role's group: a transactional test may run after another one emptied the tables.
    return django_user_model.objects.create_superuser("racer", password="pw-for-tests-only")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_saved_at_once_cannot_exceed_the_order(superuser):
    order = factories.order(quantity=5)
    add = "/admin/partnership/delivery/add/"
    form = page_form(logged_in(superuser).get(add).content.decode())
    barrier = threading.Barrier(2)
    check = equipment.check_deliveries_fit

    def checked_then_meet(*args, **kwargs):
        check(*args, **kwargs)
        meet(barrier)

    def deliver(day):
        data = form | {
            "order": order.pk,
            "delivered_on": day,
            "delivered_on_precision": 4,
            "quantity": 3,
            "_save": "1",
        }
        return logged_in(superuser).post(add, {k: v for k, v in data.items() if v is not None})

    with mock.patch.object(equipment, "check_deliveries_fit", checked_then_meet):
        results = race(lambda: deliver("2021-01-01"), lambda: deliver("2021-02-01"))

    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = sorted(response.status_code for response in results)
    assert statuses == [200, 302], statuses
    refused = next(response for response in results if response.status_code == 200)
    assert "more than the 5 ordered" in refused.content.decode()
    assert [d.quantity for d in Delivery.objects.filter(order=order)] == [3]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_the_same_record_at_once_one_is_told(superuser):
    system = factories.system(role="Transport")
    factories.cite(system)
    url = change_url(system)
    opened = [page_form(logged_in(superuser).get(url).content.decode()) for _ in range(2)]
    assert opened[0]["loaded_at"] == opened[1]["loaded_at"]
    barrier = threading.Barrier(2)
    clean = ConcurrencyForm.clean

    def cleaned_then_meet(form):
        cleaned = clean(form)
        if isinstance(form.instance, System):
            meet(barrier)
        return cleaned

    def save(form, role):
        data = form | {"role": role, "_save": "1"}
        return logged_in(superuser).post(url, {k: v for k, v in data.items() if v is not None})

    with mock.patch.object(ConcurrencyForm, "clean", cleaned_then_meet):
        results = race(lambda: save(opened[0], "Appui feu"), lambda: save(opened[1], "Génie"))

    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = sorted(response.status_code for response in results)
    assert statuses == [200, 302], statuses
    saved = next(i for i, response in enumerate(results) if response.status_code == 302)
    refused = results[1 - saved]
    assert "changed this record after you opened it" in refused.content.decode()
    system.refresh_from_db()
    assert system.role == ["Appui feu", "Génie"][saved]


def sqlite_connection(path):
    """A connection made as the site makes them (settings' OPTIONS), to a database file."""
    settings_dict = {**connections["default"].settings_dict, "NAME": str(path)}
    wrapper = type(connections["default"])(settings_dict, alias="racer")
    return wrapper.get_new_connection(wrapper.get_connection_params()), wrapper.transaction_mode


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own configuration")
def test_sqlite_is_in_wal_mode(tmp_path):
    db, _ = sqlite_connection(tmp_path / "wal.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own configuration")
def test_sqlite_writers_queue_instead_of_failing(tmp_path):
    """Two transactions that read then write, at once: the second waits for the first instead
    of failing with "database is locked" (what deferred transactions do: both read, then
    neither may write)."""
    path = tmp_path / "queue.sqlite3"
    setup, _ = sqlite_connection(path)
    setup.execute("CREATE TABLE counter (n INTEGER)")
    setup.commit()
    setup.close()
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def writer(index):
        db, mode = sqlite_connection(path)
        db.isolation_level = None  # transactions as Django runs them: explicit BEGIN
        try:
            db.execute(f"BEGIN {mode or ''}")
            (count,) = db.execute("SELECT count(*) FROM counter").fetchone()
            meet(barrier)
            db.execute("INSERT INTO counter VALUES (?)", (count,))
            db.execute("COMMIT")
            outcomes[index] = "written"
        except sqlite3.OperationalError as error:
            outcomes[index] = str(error)
        finally:
            db.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == ["written", "written"]
    check = sqlite3.connect(path)
    # The second writer read after the first wrote: it saw one row, not zero.
    assert sorted(n for (n,) in check.execute("SELECT n FROM counter")) == [0, 1]
    check.close()
