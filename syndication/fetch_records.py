"""The record of every fetch a partner makes.

A fetch is recorded in the request, but written with others in one bulk
insert: a write of its own would cost a listing answered from the cache
more than everything else it does (on SQLite, a journal and two fsyncs).
Records wait in this process until a request finds the oldest has waited
``PARTNER_API_FETCH_FLUSH_SECONDS`` (default 1; 0 writes each at once) or
``FLUSH_SIZE`` are waiting; when no request comes, a timer writes them after
twice that; and they are written when the process exits. A process killed
outright loses the records of its last second or two.

A fetch made inside a transaction (``ATOMIC_REQUESTS``, or a test) is
written at once, in that transaction, so it commits or rolls back with it.
"""

from __future__ import annotations

import atexit
import datetime as dt
import ipaddress
import logging
import threading
import time
from functools import cache, lru_cache
from typing import NamedTuple

from django.db import DatabaseError, connections, router, transaction
from django.utils import timezone

from .conf import syndication_settings
from .models import FetchRecord

PATH_MAX = 500
#: Written at once when this many records are waiting.
FLUSH_SIZE = 200

logger = logging.getLogger(__name__)


def client_address(request) -> str | None:
    """REMOTE_ADDR if it is an IP address. Behind a proxy, set it from the
    forwarded header in the proxy or a middleware, not here."""
    return _ip_address(request.META.get("REMOTE_ADDR") or "")


@lru_cache(maxsize=1024)
def _ip_address(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def flush_seconds() -> float:
    return float(syndication_settings.PARTNER_API_FETCH_FLUSH_SECONDS)


class Fetch(NamedTuple):
    """A fetch record's values, in the order they are inserted (a model
    instance a request would cost more than the rest of a kept page)."""

    partner_id: int
    delivery_id: int | None
    version: int | None
    kind: str
    path: str
    address: str | None
    created_at: dt.datetime


class FetchBuffer:
    """Fetch records of this process waiting to be written in bulk."""

    def __init__(self):
        self._lock = threading.Lock()
        self._records: list[Fetch] = []
        self._oldest = 0.0  # time.monotonic() of the first record waiting
        self._timer: threading.Timer | None = None

    def add(self, record: Fetch, *, delay: float) -> None:
        now = time.monotonic()
        with self._lock:
            if not self._records:
                self._oldest = now
            self._records.append(record)
            # While requests come, one of them writes (on its own, open
            # database connection) once the oldest record has waited long
            # enough or the buffer is full.
            due = len(self._records) >= FLUSH_SIZE or now - self._oldest >= delay
            if not due and self._timer is None:
                # If none comes, a timer writes them (on a connection of its
                # own, opened for that).
                self._timer = threading.Timer(2 * delay, self.flush_in_thread)
                self._timer.daemon = True
                self._timer.start()
        if due:
            self.flush()

    def flush(self) -> int:
        """Write every waiting record now; how many were written."""
        with self._lock:
            records, self._records = self._records, []
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if not records:
            return 0
        try:
            insert_records(records)
        except DatabaseError:
            # A partner or delivery deleted meanwhile, or the database away:
            # the records are lost, the requests they record were answered.
            logger.exception("could not write %d partner fetch records", len(records))
            return 0
        return len(records)

    def flush_in_thread(self) -> None:
        try:
            self.flush()
        finally:
            # The timer's thread has a connection of its own: close it.
            connections[router.db_for_write(FetchRecord)].close()


#: The columns of a fetch record, as ``Fetch`` orders them.
INSERTED_FIELDS = (
    "partner",
    "delivery",
    "version",
    "kind",
    "path",
    "address",
    "created_at",
)


@cache
def _insert_sql(alias: str) -> str:
    # Written out: bulk_create() builds and compiles its INSERT anew on
    # every call, which cost more than the rows it wrote (a few ms a flush).
    quote = connections[alias].ops.quote_name
    meta = FetchRecord._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in INSERTED_FIELDS)
    values = ", ".join(["%s"] * len(INSERTED_FIELDS))
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({values})"


def insert_records(records: list[Fetch]) -> None:
    """Write ``records`` in one statement run for each, in one transaction."""
    alias = router.db_for_write(FetchRecord)
    connection = connections[alias]
    ops = connection.ops
    rows = [
        (
            *record[:5],
            ops.adapt_ipaddressfield_value(record.address),
            ops.adapt_datetimefield_value(record.created_at),
        )
        for record in records
    ]
    # One transaction (not one commit a row), and no savepoint inside
    # another: a fetch made in a transaction is written in it.
    with (
        transaction.atomic(using=alias, savepoint=False),
        connection.cursor() as cursor,
    ):
        cursor.executemany(_insert_sql(alias), rows)


fetch_buffer = FetchBuffer()
atexit.register(fetch_buffer.flush)


def record_fetch(
    request,
    *,
    partner_id: int,
    kind: str,
    delivery_id: int | None = None,
    version: int | None = None,
) -> None:
    """kind: "list", "item", "download" or "feed"."""
    record = Fetch(
        partner_id,
        delivery_id,
        version,
        kind,
        request.get_full_path()[:PATH_MAX],
        client_address(request),
        timezone.now(),
    )
    delay = flush_seconds()
    alias = router.db_for_write(FetchRecord)
    if delay <= 0 or connections[alias].in_atomic_block:
        insert_records([record])
        return
    fetch_buffer.add(record, delay=delay)
