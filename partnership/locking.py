"""Row locks for the checks that read before they write.

A rule such as "the deliveries of an order add up to no more than its quantity", or "nobody
changed this record since the form was opened", is checked by reading rows and then writing.
Two writers that both read before either writes would both pass. So the check locks the row it
is about (the order, the record) for the rest of the transaction that writes: a second writer
waits at the lock until the first has committed, then reads what the first wrote.

PostgreSQL takes the lock (SELECT ... FOR UPDATE). SQLite has no row locks and needs none: its
writers start their transactions IMMEDIATE (camo_site/settings.py), so they run one at a time.
"""

from django.db import models, router, transaction


def locked(model: type[models.Model], pk) -> models.QuerySet:
    """The row `pk` of `model`, locked until the current transaction ends.

    Outside a transaction there is nothing to hold the lock for (the write that follows would
    run in another one): the row is read unlocked."""
    # Unordered: a default ordering on a nullable link (an order's buyer) would join it, and
    # PostgreSQL cannot lock the nullable side of an outer join.
    queryset = model._base_manager.filter(pk=pk).order_by()
    if transaction.get_connection(router.db_for_write(model)).in_atomic_block:
        queryset = queryset.select_for_update()
    return queryset
