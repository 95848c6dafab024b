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
import ipaddress
import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connections, router
from django.utils import timezone

from ..models import FetchRecord

PATH_MAX = 500
DEFAULT_FLUSH_SECONDS = 1.0
#: Written at once when this many records are waiting.
FLUSH_SIZE = 200

logger = logging.getLogger(__name__)


def client_address(request) -> str | None:
    """REMOTE_ADDR if it is an IP address. Behind a proxy, set it from the
    forwarded header in the proxy or a middleware, not here."""
    address = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def flush_seconds() -> float:
    return float(
        getattr(settings, "PARTNER_API_FETCH_FLUSH_SECONDS", DEFAULT_FLUSH_SECONDS)
    )


class FetchBuffer:
    """Fetch records of this process waiting to be written in bulk."""

    def __init__(self):
        self._lock = threading.Lock()
        self._records: list[FetchRecord] = []
        self._oldest = 0.0  # time.monotonic() of the first record waiting
        self._timer: threading.Timer | None = None

    def add(self, record: FetchRecord, *, delay: float) -> None:
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
            FetchRecord.objects.bulk_create(records)
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
    record = FetchRecord(
        partner_id=partner_id,
        delivery_id=delivery_id,
        version=version,
        kind=kind,
        path=request.get_full_path()[:PATH_MAX],
        address=client_address(request),
        created_at=timezone.now(),
    )
    delay = flush_seconds()
    alias = router.db_for_write(FetchRecord)
    if delay <= 0 or connections[alias].in_atomic_block:
        record.save(force_insert=True)
        return
    fetch_buffer.add(record, delay=delay)
