"""The items query of the partner API and its cursor.

Two modes:

- full listing (no ``updated_since``): what the partner may fetch now,
  ordered by (updated_at, id);
- incremental sync (``updated_since``): everything of the platform that
  changed since then *for the partner*, with tombstones for what it once had
  and must take down: withdrawn, expired, past the availability window,
  rejected, or back in preparation for a new delivery.
  An item changes for the partner when its delivery is updated, and also when
  its window opens or closes, which no write records; so this mode orders by
  ``changed_at`` = the latest of updated_at and whichever window edges have
  passed. That value only ever grows, so a walk in this order never misses
  an item (one may come twice if it changes meanwhile).

``updated_since`` is inclusive. The cursor is signed (it cannot be forged or
altered), carries the mode and position, and belongs to one partner.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from django.core import signing
from django.db import router
from django.db.models import Case, F, Q, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .items import LISTING_FIELDS, ROW_FIELDS, visible_or_gone
from .models import Delivery
from .prepared_queries import run_prepared
from .stored_items import stored_body

CURSOR_SALT = "media_pipeline.syndication.cursor"  # unchanged by the move
FULL = "full"
SYNC = "sync"


class InvalidCursor(Exception):
    pass


@dataclass(frozen=True)
class Cursor:
    mode: str
    since: dt.datetime | None
    after: dt.datetime
    after_id: int
    partner_id: int

    def encode(self) -> str:
        return _signed(self)

    @classmethod
    def decode(cls, token: str, *, partner_id: int) -> Cursor:
        cursor = _unsigned(token)
        if cursor is None:
            raise InvalidCursor()
        if (
            cursor.partner_id != partner_id
            or cursor.mode not in (FULL, SYNC)
            or cursor.after is None
            or (cursor.mode == SYNC and cursor.since is None)
        ):
            raise InvalidCursor()
        return cursor


@lru_cache(maxsize=4096)
def _signed(cursor: Cursor) -> str:
    # Signed without a timestamp: the same position gives the same cursor,
    # so a page's body (and its ETag) does not change with the clock; and
    # each is signed once in a process.
    return signing.Signer(salt=CURSOR_SALT).sign_object(
        {
            "m": cursor.mode,
            "s": cursor.since.isoformat() if cursor.since else None,
            "t": cursor.after.isoformat(),
            "i": cursor.after_id,
            "p": cursor.partner_id,
        }
    )


@lru_cache(maxsize=4096)
def _unsigned(token: str) -> Cursor | None:
    """The cursor ``token`` signs, or None if it is not a good one.

    Kept per token (a cursor is immutable and its token says all of it): a
    walk asks for the same pages again and again, and checking the
    signature cost a partner's cached page a tenth of its time."""
    try:
        data = signing.Signer(salt=CURSOR_SALT).unsign_object(token)
        return Cursor(
            mode=data["m"],
            since=parse_datetime(data["s"]) if data["s"] else None,
            after=parse_datetime(data["t"]),
            after_id=int(data["i"]),
            partner_id=int(data["p"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def changed_at(now):
    """When the item last changed for the partner (see the module doc)."""
    return Greatest(
        F("updated_at"),
        Case(
            When(available_from__lte=now, then=F("available_from")),
            default=F("updated_at"),
        ),
        Case(
            When(available_until__lte=now, then=F("available_until")),
            default=F("updated_at"),
        ),
    )


def sync_queryset(platform, *, since: dt.datetime, now):
    """Every delivery of ``platform`` that changed for its partners since
    ``since``: the visible ones, and tombstones for those they once had and
    must take down. Never-delivered drafts are not the partner's business."""
    return (
        Delivery.objects.filter(platform=platform)
        .filter(visible_or_gone(now))
        .annotate(changed_at=changed_at(now))
        .filter(changed_at__gte=since)
    )


def _rows_query(
    mode: str, *, cursor: bool, fields: tuple[str, ...], limit: int, stored: bool
):
    """The queryset of a page of rows, as a function of the values that
    change from request to request (see ``prepared.py``)."""
    key = "updated_at" if mode == FULL else "changed_at"

    def build(platform, now, since=None, after=None, after_id=None):
        if mode == FULL:
            queryset = Delivery.objects.visible_to(platform, at=now)
        else:
            queryset = sync_queryset(platform, since=since, now=now)
        if stored:
            queryset = queryset.annotate(stored_body=stored_body())
        if cursor:
            # (key, id) > (after, after_id), written so that the database sees
            # a range on the index (platform, key, id): key >= after.
            queryset = queryset.filter(
                Q(**{f"{key}__gte": after}),
                Q(**{f"{key}__gt": after}) | Q(id__gt=after_id),
            )
        return queryset.order_by(key, "id").values(*fields)[:limit]

    return build


def page_rows(
    platform,
    *,
    partner_id: int,
    since: dt.datetime | None,
    cursor: Cursor | None,
    limit: int,
    now=None,
    stored: bool = False,
) -> tuple[list[dict], Cursor | None]:
    """One page of delivery rows and the cursor of the next page, if any.
    ``platform``: a Platform or its id. Rows have ROW_FIELDS; with
    ``stored``, LISTING_FIELDS and ``stored_body``: the stored item's JSON
    while that holds, else None (see ``stored_items``)."""
    now = now or timezone.now()
    if cursor is not None:
        since = cursor.since
    mode, key = (FULL, "updated_at") if since is None else (SYNC, "changed_at")
    # Read with their stored items, rows need only what tells whether the
    # partner may see them (the others are read in full when built).
    fields = (LISTING_FIELDS + ("stored_body",)) if stored else ROW_FIELDS
    if mode == SYNC:
        fields += (key,)
    values = {"platform": getattr(platform, "pk", platform), "now": now}
    if mode == SYNC:
        values["since"] = since
    if cursor is not None:
        values.update(after=cursor.after, after_id=cursor.after_id)
    build = _rows_query(
        mode, cursor=cursor is not None, fields=fields, limit=limit + 1, stored=stored
    )
    rows = run_prepared(
        ("partner-api:rows", mode, cursor is not None, limit + 1, stored),
        build,
        using=router.db_for_read(Delivery),
        **values,
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = Cursor(
            mode=mode,
            since=since,
            after=last[key],
            after_id=last["id"],
            partner_id=partner_id,
        )
    return rows, next_cursor
