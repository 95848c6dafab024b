"""The partner API's kept pages, prepared queries, key lookup and fetch
buffer: what makes the listing fast must never make it wrong."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from syndication import fetch_records as fetches
from syndication.items import ITEM_JSON_CACHE, item_json
from syndication.keys import partner_key_authenticate
from syndication.listing import page_rows
from syndication.models import (
    Delivery,
    DeliveryState,
    FetchRecord,
    PartnerKey,
)
from syndication.page_cache import data_version, next_window_edge
from syndication.prepared_queries import padded_length, run_prepared

from .conftest import make_partner, move

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_item_json():
    ITEM_JSON_CACHE.clear()
    yield
    ITEM_JSON_CACHE.clear()


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


# --- kept pages --------------------------------------------------------------


def test_a_page_is_kept_and_answered_without_building_it(deliveries, partner_a):
    first = partner_a.get("/items?limit=5")
    with CaptureQueriesContext(connection) as queries:
        again = partner_a.get("/items?limit=5")
    assert again.content == first.content and again["ETag"] == first["ETag"]
    # The key with the platform's data version, the fetch record.
    assert len(queries) == 2, [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as queries:
        revalidated = partner_a.get("/items?limit=5", HTTP_IF_NONE_MATCH=first["ETag"])
    assert revalidated.status_code == 304 and len(queries) == 2


def test_a_withdrawn_delivery_is_never_listed_from_a_kept_page(deliveries, partner_a):
    first = partner_a.get("/items?limit=50")
    withdrawn = deliveries["a"][0]
    assert withdrawn.pk in ids(first)
    move(withdrawn, DeliveryState.WITHDRAWN)
    after = partner_a.get("/items?limit=50", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    assert withdrawn.pk not in ids(after)
    assert set(ids(after)) == set(ids(first)) - {withdrawn.pk}
    # Incremental sync, kept too, carries its tombstone.
    since = first.json()["items"][0]["updated_at"].replace("+", "%2B")
    synced = {
        i["id"]: i
        for i in partner_a.get(f"/items?updated_since={since}").json()["items"]
    }
    assert synced[withdrawn.pk]["deleted"] is True


def test_a_change_on_the_platform_makes_every_kept_page_again(deliveries, partner_a):
    pages = [partner_a.get("/items?limit=3")]
    cursor = pages[0].json()["next_cursor"]
    pages.append(partner_a.get(f"/items?limit=3&cursor={cursor}"))
    version = data_version(partner_a.account.platform_id)
    received = pages[1].json()["items"][0]["id"]
    move(Delivery.objects.get(pk=received), DeliveryState.RECEIVED)
    assert data_version(partner_a.account.platform_id) != version
    second = partner_a.get(f"/items?limit=3&cursor={cursor}")
    states = {i["id"]: i["state"] for i in second.json()["items"]}
    # The received item moved to the end of the listing (newest change last).
    assert received not in states
    # Page 1 is made again, from the same data: the same tag.
    assert partner_a.get("/items?limit=3")["ETag"] == pages[0]["ETag"]


def test_kept_pages_belong_to_their_partner(
    platforms, deliveries, partner_a, partner_b
):
    other_a = make_partner("科普中国第二接口", platforms["a"])
    mine = partner_a.get("/items?limit=3")
    theirs = other_a.get("/items?limit=3")
    assert ids(mine) == ids(theirs)
    # Each has a cursor of its own, which the other cannot use.
    cursor_a, cursor_other = mine.json()["next_cursor"], theirs.json()["next_cursor"]
    assert cursor_a != cursor_other
    assert other_a.get(f"/items?limit=3&cursor={cursor_a}").status_code == 400
    assert other_a.get(f"/items?limit=3&cursor={cursor_other}").status_code == 200
    # Another platform's partner, same query: its own items only.
    listed_b = set(ids(partner_b.get("/items?limit=3")))
    assert listed_b <= {d.pk for d in deliveries["b"]}
    assert not listed_b & set(ids(mine))


def test_a_kept_page_expires_when_an_availability_window_closes(deliveries, partner_a):
    closing = deliveries["a"][0]
    soon = timezone.now() + dt.timedelta(seconds=1.5)
    Delivery.objects.filter(pk=closing.pk).update(
        available_until=soon, updated_at=timezone.now()
    )
    assert next_window_edge(partner_a.account.platform_id, timezone.now()) == soon
    first = partner_a.get("/items?limit=50")
    assert closing.pk in ids(first)
    # No write happens when the window closes; the kept page expires then.
    time.sleep(max((soon - timezone.now()).total_seconds(), 0) + 0.1)
    after = partner_a.get("/items?limit=50", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and closing.pk not in ids(after)


def test_a_page_republished_shows_once_the_kept_page_expires(
    deliveries, partner_a, settings
):
    item = deliveries["a"][0]
    settings.PARTNER_API_PAGE_CACHE_SECONDS = 0
    partner_a.get("/items?limit=50")
    page = item.page.specific
    page.title = "重新发布的标题"
    page.save_revision().publish()
    items = {i["id"]: i for i in partner_a.get("/items?limit=50").json()["items"]}
    assert items[item.pk]["title"] == "重新发布的标题"


def test_a_revoked_key_gets_401_with_its_page_kept(deliveries, partner_a):
    assert partner_a.get("/items?limit=5").status_code == 200
    PartnerKey.objects.filter(partner=partner_a.account).update(
        revoked_at=timezone.now()
    )
    response = partner_a.get("/items?limit=5")
    assert response.status_code == 401


def test_kept_pages_and_304s_are_counted_against_the_rate_limit(
    deliveries, partner_a, settings
):
    settings.PARTNER_API_RATE_LIMIT = 4
    etag = partner_a.get("/items?limit=5")["ETag"]
    kept = partner_a.get("/items?limit=5")
    revalidated = partner_a.get("/items?limit=5", HTTP_IF_NONE_MATCH=etag)
    assert (kept.status_code, revalidated.status_code) == (200, 304)
    assert kept["X-RateLimit-Remaining"] == "2"
    assert revalidated["X-RateLimit-Remaining"] == "1"
    partner_a.get("/items?limit=5")
    refused = partner_a.get("/items?limit=5", HTTP_IF_NONE_MATCH=etag)
    assert refused.status_code == 429 and refused["X-RateLimit-Remaining"] == "0"


# --- the key lookup ----------------------------------------------------------


def test_the_key_comes_with_its_partner_and_platform_in_one_query(partner_a):
    with CaptureQueriesContext(connection) as queries:
        key = partner_key_authenticate(partner_a.key)
        names = (key.partner.name, key.partner.platform.slug, key.partner.is_active)
    assert names == (partner_a.account.name, "kepu-china", True)
    assert len(queries) == 2  # the lookup, and the first use written
    with CaptureQueriesContext(connection) as queries:
        key = partner_key_authenticate(partner_a.key)
        assert key.partner.platform.name == partner_a.account.platform.name
    assert len(queries) == 1
    # Columns not loaded load when read.
    assert key.prefix == partner_a.key[: len(key.prefix)]


# --- prepared queries --------------------------------------------------------


def test_prepared_queries_give_what_the_orm_gives(deliveries, partner_a):
    platform = partner_a.account.platform
    now = timezone.now()
    everything = list(
        Delivery.objects.visible_to(platform, at=now)
        .order_by("updated_at", "id")
        .values("id", "updated_at", "page_id")
    )
    rows, cursor = page_rows(
        platform,
        partner_id=partner_a.account.pk,
        since=None,
        cursor=None,
        limit=3,
        now=now,
    )
    assert [r["id"] for r in rows] == [r["id"] for r in everything[:3]]
    assert rows[0]["updated_at"] == everything[0]["updated_at"]
    assert rows[0]["updated_at"].tzinfo is not None
    rows, _ = page_rows(
        platform,
        partner_id=partner_a.account.pk,
        since=None,
        cursor=cursor,
        limit=3,
        now=now,
    )
    assert [r["id"] for r in rows] == [r["id"] for r in everything[3:6]]
    # Lists of any length, padded to a few shapes.
    for length in (1, 2, 3, 5, len(everything)):
        wanted = [r["id"] for r in everything[:length]]
        found = run_prepared(
            ("test:deliveries",),
            lambda ids: (
                Delivery.objects.filter(pk__in=ids)
                .order_by("id")
                .values("id", "page_id")
            ),
            using="default",
            ids=wanted,
        )
        assert [r["id"] for r in found] == sorted(wanted)
    assert (
        run_prepared(("test:deliveries",), lambda ids: None, using="default", ids=[])
        == []
    )
    assert [padded_length(n) for n in (1, 2, 3, 4, 5, 200)] == [1, 2, 4, 4, 8, 256]


# --- the fetch buffer --------------------------------------------------------


def test_fetches_outside_a_transaction_are_written_in_bulk(partner_a, monkeypatch):
    buffer = fetches.FetchBuffer()
    before = FetchRecord.objects.count()

    def record(path):
        return fetches.Fetch(
            partner_a.account.pk, None, None, "list", path, "127.0.0.1", timezone.now()
        )

    buffer.add(record("/a"), delay=60)
    buffer.add(record("/b"), delay=60)
    assert FetchRecord.objects.count() == before  # waiting
    assert buffer.flush() == 2
    assert FetchRecord.objects.count() == before + 2
    assert buffer.flush() == 0
    monkeypatch.setattr(fetches, "FLUSH_SIZE", 3)
    for path in ("/c", "/d", "/e"):
        buffer.add(record(path), delay=60)
    assert FetchRecord.objects.count() == before + 5  # written when full
    assert buffer._timer is None
    buffer.add(record("/f"), delay=0.05)
    time.sleep(0.06)
    buffer.add(record("/g"), delay=0.05)  # the oldest has waited long enough
    assert FetchRecord.objects.count() == before + 7


def test_a_fetch_inside_a_transaction_is_written_at_once(deliveries, partner_a):
    before = FetchRecord.objects.count()
    partner_a.get("/items?limit=5")
    assert FetchRecord.objects.count() == before + 1


@pytest.mark.parametrize(
    "text",
    [
        "古如歌：长调与“发声”的声学",
        'quotes " and \\ backslashes, </script>',
        "control \n\t\x00\x1f and separators \u2028\u2029",
        "outside the BMP 😀𠀀",
    ],
)
def test_item_json_writes_what_json_dumps_writes(text):
    item = {
        "id": 2**53 + 1,
        "title": text,
        "credits": [{"name": text, "role": "director"}],
        "duration": 180.0,
        "ratio": 0.1 + 0.2,
        "big": 1e16,
        "web_url": None,
        "flags": [True, False],
    }
    expected = json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()
    assert item_json(item) == expected
    assert json.loads(item_json(item)) == item
