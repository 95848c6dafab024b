"""What a partner sees of a delivered item: its metadata (its files are
``offers``; items written ahead of the request, ``stored_items``).

Everything here works on a page of deliveries at once, in a fixed number of
queries whatever the page size: one for the deliveries (``delivery_rows``,
plain dicts, also what the ETag is computed from), then per page type one
query for the pages, one for their credits and one for their topics, and one
for the parents' titles.

The metadata is the item's live (published) page: title, summary, credits and
topics as they read now. ``version`` changes when the item is delivered again
(new media); ``updated_at`` whenever the delivery changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote

from django.core.cache import caches
from django.db import router
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from pydantic_core import to_json
from wagtail.models import Page, Site

from cms.core.deliverables import DeliverableKind, kind_for_content_type
from media_pipeline.models import MediaKind

from .conf import syndication_settings
from .models import (
    VISIBLE_TO_PARTNER,
    Delivery,
    DeliveryState,
    is_visible_at,
    visible_at,
)
from .prepared_queries import run_prepared
from .process_cache import ProcessCache

LANGUAGE = "zh"

#: The columns of a delivery (and of its page and asset) an item is made from.
ROW_FIELDS = (
    "id",
    "version",
    "state",
    "updated_at",
    "delivered_at",
    "available_from",
    "available_until",
    "page_id",
    "asset_id",
    "page__content_type_id",
    "page__path",
    "page__last_published_at",
    "asset__duration",
    "asset__kind",
    "asset__published_job_id",
)


PAGE_FIELDS = ("id", "path", "url_path", "live", "title")


def iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


#: What the listing reads of a delivery whose stored item it takes: enough
#: to tell whether the partner may see it, and its tombstone otherwise.
LISTING_FIELDS = (
    "id",
    "state",
    "updated_at",
    "available_from",
    "available_until",
)


def delivery_rows(queryset) -> list[dict]:
    """The deliveries of ``queryset`` as dicts of ROW_FIELDS, in its order."""
    return list(queryset.values(*ROW_FIELDS))


def _rows_by_id_query(ids):
    return Delivery.objects.filter(pk__in=ids).order_by().values(*ROW_FIELDS)


def delivery_rows_by_id(ids: list[int]) -> list[dict]:
    """The deliveries ``ids`` as dicts of ROW_FIELDS, in no order; one
    prepared query (see api/prepared.py)."""
    return run_prepared(
        ("partner-api:rows-by-id",),
        _rows_by_id_query,
        using=router.db_for_read(Delivery),
        ids=ids,
    )


def default_rights_holder() -> str:
    return syndication_settings.PARTNER_API_DEFAULT_RIGHTS_HOLDER


#: What reverse() leaves unquoted in a path (so unicode slugs come out alike).
URL_SAFE = "/~:@!$&'()*+,;="


def _serve_prefix() -> str | None:
    try:
        return reverse("wagtail_serve", args=("",))
    except NoReverseMatch:  # Wagtail not serving pages
        return None


@dataclass
class LoadedPages:
    pages: dict[int, dict]  # page id → its columns, "credits" and "topics"
    parent_titles: dict[str, str]  # tree path → title
    site_roots: list = field(default_factory=list)
    serve_prefix: str | None = None
    append_slash: bool = True


def _pages_query(kind: DeliverableKind):
    def build(ids):
        return (
            kind.model.objects.filter(pk__in=ids)
            .order_by()  # into a dict: no need to sort
            .values(*PAGE_FIELDS, *kind.item_fields)
        )

    return build


def _credits_query(kind: DeliverableKind):
    page_id = f"{kind.credit_page_field}_id"

    def build(ids):
        return (
            kind.credit_model.objects.filter(**{f"{page_id}__in": ids})
            .order_by(page_id, "sort_order", "pk")
            .values(page_id, "role", "person__name")
        )

    return build


def _topics_query(topic_model):
    def build(ids):
        return (
            topic_model.objects.filter(content_object_id__in=ids)
            .order_by("pk")
            .values("content_object_id", "tag__name")
        )

    return build


@lru_cache(maxsize=64)
def _role_labels(credit_model, language: str | None) -> dict[str, str]:
    """Role → its label in ``language`` (the active one)."""
    return {
        value: str(label)
        for value, label in credit_model._meta.get_field("role").flatchoices
    }


def _parents_query(paths):
    return Page.objects.filter(path__in=paths).values("path", "title")


def load_pages(rows: list[dict]) -> LoadedPages:
    """The pages of ``rows`` with their credits and topics, and their
    parents' titles: up to three queries per page type present, plus one.

    Plain values, not page instances: a page of 200 items is serialised in a
    few milliseconds."""
    ids_by_kind: dict[DeliverableKind, list[int]] = defaultdict(list)
    kinds: dict[int, DeliverableKind | None] = {}  # content type id → kind
    for row in rows:
        content_type_id = row["page__content_type_id"]
        if content_type_id not in kinds:
            kinds[content_type_id] = kind_for_content_type(content_type_id)
        kind = kinds[content_type_id]
        if kind is not None:
            ids_by_kind[kind].append(row["page_id"])
    pages: dict[int, dict] = {}
    parent_paths: set[str] = set()
    using = router.db_for_read(Page)
    for kind, ids in ids_by_kind.items():
        # Prepared queries (see api/prepared.py): each built and compiled
        # once, then run with this page's ids.
        for page in run_prepared(
            ("partner-api:pages", kind.name), _pages_query(kind), using=using, ids=ids
        ):
            page["kind"] = kind
            page["credits"] = []
            page["topics"] = []
            pages[page["id"]] = page
            if kind.parent_role:
                parent_paths.add(page["path"][: -Page.steplen])
        labels = _role_labels(kind.credit_model, translation.get_language())
        page_id = f"{kind.credit_page_field}_id"
        for credit in run_prepared(
            ("partner-api:credits", kind.name),
            _credits_query(kind),
            using=using,
            ids=ids,
        ):
            role = credit["role"]
            pages[credit[page_id]]["credits"].append(
                {
                    "name": credit["person__name"],
                    "role": role,
                    "role_label": labels.get(role, role),
                }
            )
        if kind.topic_model is not None:
            for topic in run_prepared(
                ("partner-api:topics", kind.name),
                _topics_query(kind.topic_model),
                using=using,
                ids=ids,
            ):
                pages[topic["content_object_id"]]["topics"].append(topic["tag__name"])
    parent_titles = {
        parent["path"]: parent["title"]
        for parent in run_prepared(
            ("partner-api:parents",),
            _parents_query,
            using=using,
            paths=sorted(parent_paths),
        )
    }
    return LoadedPages(
        pages=pages,
        parent_titles=parent_titles,
        site_roots=Site.get_site_root_paths() if pages else [],
        serve_prefix=_serve_prefix(),
        append_slash=syndication_settings.WAGTAIL_APPEND_SLASH,
    )


def page_url(page: dict, loaded: LoadedPages) -> str | None:
    """The public address of a live page, as Page.get_full_url() makes it
    (first matching site; Wagtail caches the site roots), without a reverse()
    per page."""
    if not page["live"] or loaded.serve_prefix is None:
        return None
    for root in loaded.site_roots:
        if page["url_path"].startswith(root.root_path):
            relative = page["url_path"][len(root.root_path) :]
            path = loaded.serve_prefix + quote(relative, safe=URL_SAFE)
            if not loaded.append_slash and path != "/":
                path = path.rstrip("/")
            return root.root_url + path
    return None


def _description(page: dict) -> str:
    kind = page["kind"]
    return kind.plain_summary(page[kind.summary_field])


def _duration(page: dict, row: dict) -> float | None:
    """The media's measured duration; the page's typed one only without it
    (as ``DeliverablePage.running_time`` decides for the site)."""
    if row["asset__duration"]:
        return row["asset__duration"]
    duration_field = page["kind"].duration_field
    if duration_field and page[duration_field] is not None:
        return page[duration_field].total_seconds()
    return None


def is_visible(row: dict, now) -> bool:
    """Whether the partner may fetch the delivery ``row`` at ``now``."""
    return is_visible_at(
        row["state"], row["available_from"], row["available_until"], now
    )


def gone_for_partner(now) -> Q:
    """Deliveries the partner once had and may no longer have: delivered at
    some point, and now withdrawn, expired, past their window, rejected, or
    back in preparation for a new delivery. (A visible state with a window
    not yet open is not "gone": the partner has never had it.)"""
    not_yet_open = Q(state__in=VISIBLE_TO_PARTNER) & Q(available_from__gt=now)
    return Q(delivered_at__isnull=False) & ~visible_at(now) & ~not_yet_open


def visible_or_gone(now) -> Q:
    """What incremental sync and the feeds list: the deliveries the partner
    may see, and tombstones for those it must take down."""
    return visible_at(now) | gone_for_partner(now)


@dataclass(frozen=True)
class Takedown:
    state: str  # as tombstones name it: "withdrawn" or "expired"
    media_status: str  # Media RSS: "deleted" or "blocked"
    reason: str


#: What a partner is told for each state of ``TAKEN_DOWN``.
TAKEDOWNS = {
    DeliveryState.WITHDRAWN: Takedown("withdrawn", "deleted", "已撤回：请下线该内容。"),
    DeliveryState.EXPIRED: Takedown("expired", "blocked", "授权已到期：请下线该内容。"),
    DeliveryState.REJECTED: Takedown(
        "withdrawn", "deleted", "平台未采用：请下线该内容。"
    ),
}
#: Back in preparation (draft, QC, ready) after a withdrawal: a new delivery
#: will follow; until then the partner must not show the old one.
REDELIVERY = Takedown("withdrawn", "deleted", "正在重新交付：请暂时下线该内容。")


def takedown(row: dict) -> Takedown:
    """Why the partner must take the delivery ``row`` down (it is not
    visible): its own state, or the end of its availability window."""
    if row["state"] in VISIBLE_TO_PARTNER:  # past the end of its window
        return TAKEDOWNS[DeliveryState.EXPIRED]
    return TAKEDOWNS.get(row["state"], REDELIVERY)


def tombstone(row: dict) -> dict:
    """What incremental sync says of an item the partner must take down."""
    return {
        "id": row["id"],
        "deleted": True,
        "state": takedown(row).state,
        "updated_at": iso(row["updated_at"]),
    }


def item_metadata(row: dict, loaded: LoadedPages, request=None) -> dict | None:
    """The metadata of one delivered item, or None if its page is not one of
    the deliverable types (it never is; a guard, not a case)."""
    page = loaded.pages.get(row["page_id"])
    if page is None:
        return None
    kind = page["kind"]
    parent_title = (
        loaded.parent_titles.get(page["path"][: -Page.steplen])
        if kind.parent_role
        else None
    )
    number = page[kind.number_field] if kind.number_field else None
    return {
        "id": row["id"],
        "version": row["version"],
        "state": row["state"],
        "updated_at": iso(row["updated_at"]),
        "delivered_at": iso(row["delivered_at"]),
        "title": page["title"],
        "description": _description(page),
        "kind": kind.name,
        "media_type": row["asset__kind"] or None,
        "programme": parent_title if kind.parent_role == "programme" else None,
        "series": parent_title if kind.parent_role == "series" else None,
        "episode_number": number if kind.parent_role == "programme" else None,
        "number_in_series": number if kind.parent_role == "series" else None,
        "credits": page["credits"],
        "duration": _duration(page, row),
        "language": LANGUAGE,
        "topics": page["topics"],
        "rights": {
            "rights_holder": page.get("rights_holder") or default_rights_holder(),
            "producing_unit": page.get("producing_unit") or default_rights_holder(),
        },
        "availability": {
            "from": iso(row["available_from"]),
            "until": iso(row["available_until"]),
        },
        "web_url": page_url(page, loaded),
    }


def _item_version(row: dict, language: str) -> tuple:
    # Everything an item is made from that a change would show in: the
    # delivery (updated_at moves on every save), the page's last publication,
    # the window, the asset, and the language of the role labels.
    return (
        row["id"],
        row["version"],
        row["state"],
        row["updated_at"],
        row["page__last_published_at"],
        row["available_from"],
        row["available_until"],
        row["asset_id"],
        language,
    )


def _item_cache_key(row: dict, language: str, kind: str = "item") -> str:
    parts = tuple(
        iso(part) if isinstance(part, dt.datetime) else part
        for part in _item_version(row, language)
    )
    digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()
    return f"partner-api:{kind}:{row['id']}:{digest}"


def item_cache_seconds() -> int:
    return int(syndication_settings.PARTNER_API_ITEM_CACHE_SECONDS)


#: The listing's items as JSON (``items_json``), in this process: 20,000
#: items of about 1 kB at most.
ITEM_JSON_CACHE = ProcessCache(max_entries=20_000)


def _cached_items(rows: list[dict], request, *, kind: str, encode, cache=None) -> dict:
    """Delivery id → ``encode(item metadata)`` for ``rows``, from ``cache``
    (by default the partner API's Django cache) where it has them, loading
    only the others (see ``items_metadata``)."""
    timeout = item_cache_seconds()
    if timeout <= 0 or not rows:
        loaded = load_pages(rows)
        return {
            row["id"]: encode(item)
            for row in rows
            if (item := item_metadata(row, loaded, request)) is not None
        }
    if cache is None:
        cache = caches[syndication_settings.PARTNER_API_CACHE]
    language = translation.get_language() or ""
    if isinstance(cache, ProcessCache):
        # In this process, the item's version itself is the key.
        keys = {row["id"]: (kind, *_item_version(row, language)) for row in rows}
    else:
        keys = {row["id"]: _item_cache_key(row, language, kind) for row in rows}
    found = cache.get_many(list(keys.values()))
    result = {}
    missing = []
    for row in rows:
        item = found.get(keys[row["id"]])
        if item is None:
            missing.append(row)
        else:
            result[row["id"]] = item
    if missing:
        loaded = load_pages(missing)
        fresh = {}
        for row in missing:
            item = item_metadata(row, loaded, request)
            if item is not None:
                result[row["id"]] = fresh[keys[row["id"]]] = encode(item)
        cache.set_many(fresh, timeout)
    return result


def items_metadata(rows: list[dict], request=None) -> dict[int, dict]:
    """Delivery id → item metadata for ``rows``, from the cache where it has
    them (``PARTNER_API_ITEM_CACHE_SECONDS``, default 300, 0 to switch off),
    loading only the others. A changed delivery or a newly published page
    gets a new key, so the cache never serves what changed there; a person
    renamed in the people snippets shows once the entry expires."""
    return _cached_items(rows, request, kind="item", encode=lambda item: item)


def item_json(item: dict) -> bytes:
    """An item as the listing writes it: compact UTF-8 JSON, as
    ``json.dumps(item, ensure_ascii=False, separators=(",", ":"))`` writes
    it, by pydantic's encoder (in Rust, already there for django-ninja):
    a cold page serialises fifty items, which ``json`` does five times
    slower. Items hold only strings, numbers, booleans, None, lists and
    dicts, which both write alike."""
    return to_json(item)


def items_json(rows: list[dict], request=None) -> dict[int, bytes]:
    """``items_metadata``, each item already serialised by ``item_json``:
    what the listing joins into a page without serialising anything again.
    Kept the same way, for as long, under the same keys, but in this
    process (``ITEM_JSON_CACHE``)."""
    return _cached_items(
        rows, request, kind="item-json", encode=item_json, cache=ITEM_JSON_CACHE
    )


def listed_items_json(rows: list[dict], request=None) -> dict[int, bytes]:
    """``items_json`` for rows of the listing, which may have been read
    with their stored items (``stored_body``, see ``stored_items``) and only
    LISTING_FIELDS: those give their stored item, the others are read in
    full and built (or found in ``ITEM_JSON_CACHE``)."""
    found = {
        row["id"]: row["stored_body"].encode()
        for row in rows
        if row.get("stored_body") is not None
    }
    missing = [row["id"] for row in rows if row["id"] not in found]
    if missing:
        full = rows if not found and "page_id" in rows[0] else None
        found.update(items_json(full or delivery_rows_by_id(missing), request))
    return found


def medium(row: dict) -> str:
    return "audio" if row["asset__kind"] == MediaKind.AUDIO else "video"
