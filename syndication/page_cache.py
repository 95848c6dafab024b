"""Pages of the items listing kept whole, ready to send again.

A page is kept in the partner API's cache (``PARTNER_API_CACHE``) per
partner, platform, query and language, with its ETag and body, and is served
again while all of these hold:

- the platform's data version is the same: the latest ``updated_at`` among
  its deliveries, read with one indexed query per request. Every write of a
  delivery through the ledger moves it (``updated_at`` is ``auto_now``), so a
  delivery delivered, withdrawn, expired, received, adopted or given a new
  window is never listed from an older page;
- no availability window of the platform has opened or closed since the page
  was made (no write records that): the page expires at the next edge;
- it is younger than ``PARTNER_API_PAGE_CACHE_SECONDS`` (default 60; 0 turns
  the page cache off). This bounds what the version does not see: a page
  republished without a new delivery (its title, summary, credits), a
  ``QuerySet.update()`` that leaves ``updated_at`` alone.

The ETag is the one the page was made with, a hash of its bytes, so a
page made again from unchanged data has the same tag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from functools import cache

from django.core.cache import caches
from django.db import connections, router
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from .conf import syndication_settings
from .models import Delivery
from .process_cache import ProcessCache


@dataclass(frozen=True)
class CachedPage:
    version: str
    expires: float  # Unix time
    etag: str
    body: bytes


def page_cache_seconds() -> int:
    return int(syndication_settings.PARTNER_API_PAGE_CACHE_SECONDS)


def _cache():
    return caches[syndication_settings.PARTNER_API_CACHE]


@cache
def _sql(alias: str) -> dict[str, str]:
    """The two queries, written out: the version query runs on every
    listing request, and building it with the ORM would cost more than the
    rest of a cached answer."""
    quote = connections[alias].ops.quote_name
    meta = Delivery._meta

    def column(name):
        return quote(meta.get_field(name).column)

    table, platform = quote(meta.db_table), column("platform")

    def earliest_after(name):
        return (
            f"(SELECT MIN({column(name)}) FROM {table} "
            f"WHERE {platform} = %s AND {column(name)} > %s)"
        )

    return {
        "version": f"SELECT {version_sql(alias, '%s')}",
        # Indexes (platform, available_from) and (platform, available_until).
        "edge": (
            f"SELECT {earliest_after('available_from')}, "
            f"{earliest_after('available_until')}"
        ),
    }


def version_sql(alias: str, platform_sql: str) -> str:
    """SQL for the data version of the platform whose id ``platform_sql``
    gives (a parameter, or a column of an outer query)."""
    quote = connections[alias].ops.quote_name
    meta = Delivery._meta
    updated_at = quote(meta.get_field("updated_at").column)
    platform = quote(meta.get_field("platform").column)
    # Index (platform, updated_at, id): one seek.
    return (
        f"(SELECT MAX({updated_at}) FROM {quote(meta.db_table)} "
        f"WHERE {platform} = {platform_sql})"
    )


def _alias() -> str:
    return router.db_for_read(Delivery)


def data_version(platform_id: int) -> str:
    """What changes whenever a delivery of the platform is written. (The key
    lookup reads it too, in its own query: ``request.platform_data_version``.)"""
    alias = _alias()
    with connections[alias].cursor() as cursor:
        cursor.execute(_sql(alias)["version"], [platform_id])
        (latest,) = cursor.fetchone()
    return str(latest)


def _datetime(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = parse_datetime(value)  # SQLite answers text, in UTC
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=dt.UTC)


def next_window_edge(platform_id: int, now: dt.datetime) -> dt.datetime | None:
    """The first moment after ``now`` an availability window of the
    platform opens or closes, if any will."""
    alias = _alias()
    connection = connections[alias]
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(_sql(alias)["edge"], [platform_id, at, platform_id, at])
        edges = [_datetime(value) for value in cursor.fetchone()]
    edges = [edge for edge in edges if edge is not None]
    return min(edges) if edges else None


def _key(partner_id: int, platform_id: int, query: str) -> str:
    language = translation.get_language() or ""
    digest = hashlib.sha1(
        f"{query}\n{language}".encode(), usedforsecurity=False
    ).hexdigest()
    return f"partner-api:page:{partner_id}:{platform_id}:{digest}"


#: Pages this process made or fetched, in front of the shared cache: a
#: page answered again is then neither fetched nor unpickled. Each still
#: checked as one from the shared cache (version, expiry); 256 pages of
#: about 50 kB at most.
PROCESS_PAGES = ProcessCache(max_entries=256)


def _holds(page: CachedPage | None, version: str, now: float) -> bool:
    return page is not None and page.version == version and page.expires > now


def cached_page(
    *, partner_id: int, platform_id: int, query: str, version: str
) -> CachedPage | None:
    """The page kept for this partner and query, if it still holds."""
    if page_cache_seconds() <= 0:
        return None
    key = _key(partner_id, platform_id, query)
    now = time.time()
    page = PROCESS_PAGES.get_many((key,)).get(key)
    if _holds(page, version, now):
        return page
    page = _cache().get(key)
    if not _holds(page, version, now):
        return None
    PROCESS_PAGES.set_many({key: page}, page.expires - now)
    return page


def cache_page(
    *,
    partner_id: int,
    platform_id: int,
    query: str,
    version: str,
    etag: str,
    body: bytes,
    now: dt.datetime,
) -> CachedPage:
    """Keep a page made at ``now`` from the data of ``version``."""
    page = CachedPage(version=version, expires=now.timestamp(), etag=etag, body=body)
    seconds = page_cache_seconds()
    if seconds <= 0:
        return page
    expires = now.timestamp() + seconds
    edge = next_window_edge(platform_id, now)
    if edge is not None:
        expires = min(expires, edge.timestamp())
    timeout = expires - time.time()
    if timeout > 0:
        page = CachedPage(version=version, expires=expires, etag=etag, body=body)
        key = _key(partner_id, platform_id, query)
        _cache().set(key, page, timeout=max(int(timeout) + 1, 1))
        PROCESS_PAGES.set_many({key: page}, timeout)
    return page
