"""What readers see, versioned in the shared cache: validators and cached answers follow every
change, on every worker at once.

One version stands for the whole content. Every save or deletion of a row of this app (a
record, a delivery, a milestone, a citation, a claim...) replaces it, when the transaction
commits (and at the first write of a transaction already, for code that reads inside its own
transaction). Since the version lives in the shared cache (Redis, or the database cache), a
change made through one worker is seen by all of them at the next request.

Time changes what readers see too: a record published with a future publish-at appears when
that time comes, with no write to announce it. So the version comes with the times at which
scheduled records come due; the stamp of a request counts those already past. Its
`last_modified` is the later of the last change and the last record come due; its `token`
changes with either, and keys the cached answers.
"""

import dataclasses
import datetime
import hashlib
import threading
import uuid

from django.apps import apps
from django.core.cache import cache as default_cache
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

VERSION_KEY = "camo:content:version"
SCHEDULE_KEY = "camo:content:schedule:{version}"
ANSWER_KEY = "camo:answer:{token}:{digest}"
ANSWER_TIMEOUT = 600  # seconds; a change makes old answers unreachable sooner
SCHEDULE_TIMEOUT = 7 * 86400  # a bound, should one outlive its version (a race)


# Whether this thread read the version since its transaction last changed it: a transaction
# writing many rows changes the version once, unless something read it in between.
_reads = threading.local()


@dataclasses.dataclass(frozen=True)
class Stamp:
    token: str
    last_modified: datetime.datetime


def shared_cache():
    """Where the version lives: the cache every worker sees (Redis, or the database's), never a
    worker's own memory. Answers are kept in the default cache, under the shared version."""
    return caches["shared"]


def bump(cache=None) -> None:
    """A new version of the content: every worker's validators and cached answers move on."""
    cache = cache or shared_cache()
    old = cache.get(VERSION_KEY)
    cache.set(VERSION_KEY, {"version": uuid.uuid4().hex, "changed": timezone.now()}, None)
    if old:
        cache.delete(SCHEDULE_KEY.format(version=old["version"]))


def _version(cache) -> dict:
    found = cache.get(VERSION_KEY)
    if found is None:
        # A cache emptied (or never filled): a new version, as if everything just changed.
        cache.add(VERSION_KEY, {"version": uuid.uuid4().hex, "changed": timezone.now()}, None)
        found = cache.get(VERSION_KEY) or {"version": "none", "changed": timezone.now()}
    return found


def scheduled_times() -> list[datetime.datetime]:
    """When published records not yet visible come due, soonest first (one query)."""
    from .models import Publishable, Status

    now = timezone.now()
    times = [
        model._base_manager.filter(status=Status.PUBLISHED, publish_at__gt=now)
        .order_by()
        .values_list("publish_at", flat=True)
        for model in apps.get_app_config("partnership").get_models()
        if issubclass(model, Publishable)
    ]
    if not times:
        return []
    # The compound query is ordered by its own column (not by the first model's ordering).
    return sorted(set(times[0].union(*times[1:]).order_by("publish_at")))


def stamp(cache=None) -> Stamp:
    """The content's version now, for validators and cache keys."""
    _reads.since_last_change = True
    cache = cache or shared_cache()
    version = _version(cache)
    key = SCHEDULE_KEY.format(version=version["version"])
    # Kept under the version it was read for, as long as that version lasts (times already
    # past stay in it: they count as changes). A change meanwhile makes it unreachable.
    schedule = cache.get(key)
    if schedule is None:
        schedule = scheduled_times()
        cache.set(key, schedule, SCHEDULE_TIMEOUT)
    now = timezone.now()
    due = [moment for moment in schedule if moment <= now]
    return Stamp(
        token=f"{version['version']}.{len(due)}",
        last_modified=max([version["changed"], *due]),
    )


def answer_key(stamp_: Stamp, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return ANSWER_KEY.format(token=stamp_.token, digest=digest)


def cached_answer(key: str, cache=None):
    return (cache or default_cache).get(key)


def keep_answer(key: str, answer, cache=None) -> None:
    (cache or default_cache).set(key, answer, ANSWER_TIMEOUT)


def _after_commit() -> None:
    bump()


def changed(sender, **kwargs) -> None:
    """A row of this app was written: a new version now (for reads inside this transaction),
    and another once the transaction commits (a reader in between would have cached what was
    not committed yet). Once per transaction however many rows it writes, unless the version
    was read in between: a cache write costs queries on the database cache."""
    if sender._meta.app_label != "partnership":
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        bump()
        return
    registered = any(callback is _after_commit for _, callback, _ in connection.run_on_commit)
    if registered and not getattr(_reads, "since_last_change", True):
        return  # nothing read the version since this transaction last changed it
    shared_cache().set(VERSION_KEY, {"version": uuid.uuid4().hex, "changed": timezone.now()}, None)
    _reads.since_last_change = False
    if not registered:
        transaction.on_commit(_after_commit)


def connect() -> None:
    post_save.connect(changed, dispatch_uid="camo-content-saved")
    post_delete.connect(changed, dispatch_uid="camo-content-deleted")
    m2m_changed.connect(changed, dispatch_uid="camo-content-links")
