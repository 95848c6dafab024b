"""The partner API: keys, isolation, listing and sync, downloads, receipts,
ETags, rate limits, query counts and the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
import io
import time
import urllib.request
from contextlib import redirect_stdout
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from syndication.keys import (
    KEY_PREFIX,
    key_hash,
    partner_key_authenticate,
    partner_key_create,
)
from syndication.listing import page_rows
from syndication.models import (
    Delivery,
    DeliveryEvent,
    DeliveryState,
    FetchRecord,
    PartnerKey,
    Via,
)

from .conftest import (
    API,
    Partner,
    deliver,
    move,
    new_short_video,
    publish_media,
)

pytestmark = pytest.mark.django_db

UNKNOWN_KEY = KEY_PREFIX + "x" * 43


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


def walk(partner: Partner, query: str = "", limit: int = 4) -> list[dict]:
    """Every item of a listing, page by page along next_cursor."""
    items, cursor, pages = [], None, 0
    while True:
        url = f"/items?limit={limit}{query}"
        if cursor:
            url += f"&cursor={cursor}"
        response = partner.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        pages += 1
        assert pages < 100
        if cursor is None:
            return items


# --- keys --------------------------------------------------------------------


def test_key_is_stored_only_as_a_hash_with_its_prefix(partner_a):
    key = PartnerKey.objects.get(partner=partner_a.account)
    assert partner_a.key.startswith(KEY_PREFIX) and len(partner_a.key) > 40
    assert key.key_hash == key_hash(partner_a.key) != partner_a.key
    assert key.prefix == partner_a.key[: len(key.prefix)]
    assert partner_a.key[len(key.prefix) :] not in key.prefix
    assert partner_key_authenticate(partner_a.key) == key
    assert partner_key_authenticate(partner_a.key + "x") is None
    assert partner_key_authenticate("") is None


def test_last_use_is_recorded_at_most_once_a_minute(partner_a):
    key = PartnerKey.objects.get(partner=partner_a.account)
    assert key.last_used_at is None
    partner_key_authenticate(partner_a.key)
    first = PartnerKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        partner_key_authenticate(partner_a.key)
    assert len(queries) == 1  # the lookup, no write
    assert PartnerKey.objects.get(pk=key.pk).last_used_at == first
    PartnerKey.objects.filter(pk=key.pk).update(
        last_used_at=first - dt.timedelta(minutes=2)
    )
    partner_key_authenticate(partner_a.key)
    assert PartnerKey.objects.get(pk=key.pk).last_used_at > first


def test_partner_create_prints_the_key_last_and_revoke_takes_effect_at_once(
    platforms, deliveries, client
):
    out = io.StringIO()
    with redirect_stdout(out):
        call_command(
            "partner_create", "新合作方", "--platform", "kepu-china", stdout=out
        )
    plaintext = out.getvalue().strip().splitlines()[-1]
    assert plaintext.startswith(KEY_PREFIX)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}
    assert client.get(f"{API}/items", **auth).status_code == 200

    key = PartnerKey.objects.get(key_hash=key_hash(plaintext))
    call_command("partner_revoke", key.prefix, stdout=io.StringIO())
    response = client.get(f"{API}/items", **auth)
    assert response.status_code == 401
    assert response.json()["detail"] == "接口密钥无效或已被吊销。"
    with pytest.raises(CommandError, match="已被吊销"):
        call_command("partner_revoke", key.prefix, stdout=io.StringIO())
    with pytest.raises(CommandError, match="没有标识为"):
        call_command("partner_create", "x", "--platform", "nope", stdout=io.StringIO())
    with pytest.raises(CommandError, match="已属于平台"):
        call_command(
            "partner_create",
            "新合作方",
            "--platform",
            "yunshang-kepu",
            stdout=io.StringIO(),
        )


def test_missing_unknown_and_revoked_keys_get_401_in_chinese(partner_a, client):
    response = client.get(f"{API}/items")
    assert response.status_code == 401
    assert "Authorization" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    for header in (f"Bearer {UNKNOWN_KEY}", "Bearer ", "Basic abc", partner_a.key):
        response = client.get(f"{API}/items", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
        assert response.json()["detail"]
    other_key, other = partner_key_create(partner=partner_a.account)
    assert partner_a.get("/items").status_code == 200
    PartnerKey.objects.filter(pk=other_key.pk).update(revoked_at=timezone.now())
    assert partner_a.get("/items").status_code == 200  # other keys still work
    response = client.get(f"{API}/items", HTTP_AUTHORIZATION=f"Bearer {other}")
    assert response.status_code == 401


def test_inactive_partner_gets_403(partner_a):
    partner_a.account.is_active = False
    partner_a.account.save()
    response = partner_a.get("/items")
    assert response.status_code == 403
    assert response.json()["detail"] == "该合作方已停用，请联系百嘎丽。"


# --- listing and isolation ---------------------------------------------------


def test_each_partner_lists_only_what_its_platform_was_delivered(
    deliveries, partner_a, partner_b
):
    items_a = walk(partner_a)
    items_b = walk(partner_b)
    assert {item["id"] for item in items_a} == {d.pk for d in deliveries["a"]}
    assert {item["id"] for item in items_b} == {d.pk for d in deliveries["b"]}
    assert deliveries["draft_a"].pk not in {item["id"] for item in items_a}
    # B's deliveries of the same pages are B's own ids, never A's.
    assert not {item["id"] for item in items_a} & {item["id"] for item in items_b}
    for item_b in deliveries["b"]:
        assert partner_a.get(f"/items/{item_b.pk}").status_code == 404
    response = partner_a.get(f"/items/{deliveries['draft_a'].pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到该条目。"}
    assert partner_a.get("/items/999999999").status_code == 404


def test_items_carry_their_metadata(deliveries, partner_a):
    items = {item["id"]: item for item in walk(partner_a)}
    by_kind = {}
    for item in items.values():
        by_kind.setdefault(item["kind"], item)
        assert item["language"] == "zh"
        assert item["state"] == "delivered" and item["version"] == 1
        assert item["rights"]["rights_holder"] == "鄂尔多斯市科学技术协会"
        assert item["availability"] == {"from": None, "until": None}
    assert set(by_kind) == {"episode", "short_video", "music_work"}
    episode = next(i for i in items.values() if i["title"] == "库布其沙漠的绿色奇迹")
    assert episode["programme"] == "百嘎丽科普开讲"
    assert episode["episode_number"] == 1 and episode["series"] is None
    assert episode["duration"] == 26 * 60 + 30
    assert episode["description"] == "沙漠治理与生态修复的科学原理。"
    page = Delivery.objects.get(pk=episode["id"]).page
    assert episode["web_url"] == page.get_full_url() and "/episode-1/" in page.url
    assert {"name": "苏日娜", "role": "expert", "role_label": "专家"} in episode[
        "credits"
    ]
    video = next(i for i in items.values() if i["title"] == "鄂尔多斯古如歌")
    assert video["series"] == "百嘎丽带你看非遗里的科普"
    assert video["number_in_series"] == 1 and video["programme"] is None
    assert [c["role"] for c in video["credits"]] == ["director", "presenter"]
    song = next(i for i in items.values() if i["title"] == "百嘎丽之歌")
    assert song["kind"] == "music_work"
    assert [(c["name"], c["role_label"]) for c in song["credits"]] == [
        ("李晓雯", "作词"),
        ("李晓雯", "作曲"),
        ("巴特尔", "演唱"),
    ]


def test_availability_window_limits_what_is_listed(platforms, deliveries, partner_a):
    now = timezone.now()
    later, past = deliveries["a"][0], deliveries["a"][1]
    Delivery.objects.filter(pk=later.pk).update(
        available_from=now + dt.timedelta(days=1)
    )
    Delivery.objects.filter(pk=past.pk).update(
        available_until=now - dt.timedelta(days=1)
    )
    listed = {item["id"] for item in walk(partner_a)}
    assert later.pk not in listed and past.pk not in listed
    assert partner_a.get(f"/items/{later.pk}").status_code == 404
    assert partner_a.get(f"/items/{past.pk}").status_code == 404


def test_cursor_walks_every_item_once_in_order_and_cannot_be_forged(
    deliveries, partner_a, partner_b
):
    items = walk(partner_a, limit=3)
    assert len(items) == len({item["id"] for item in items}) == len(deliveries["a"])
    keys = [(item["updated_at"], item["id"]) for item in items]
    assert keys == sorted(keys)

    first = partner_a.get("/items?limit=3").json()
    cursor = first["next_cursor"]
    assert cursor
    for bad in (cursor[:-2] + "xx", "abc", cursor.replace(":", ";", 1)):
        response = partner_a.get(f"/items?limit=3&cursor={bad}")
        assert response.status_code == 400
        assert response.json()["detail"] == "游标无效或不属于此合作方。"
    # A cursor belongs to the partner it was given to.
    assert partner_b.get(f"/items?cursor={cursor}").status_code == 400


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=201", "limit=abc", "updated_since=yesterday"],
)
def test_bad_parameters_get_422_in_chinese(partner_a, query):
    response = partner_a.get(f"/items?{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "请求参数有误。"
    assert body["errors"] and all(
        any("\u4e00" <= ch <= "\u9fff" for ch in e["msg"]) for e in body["errors"]
    )


def stored_state() -> tuple:
    """What a refused request must leave as it was."""
    return (
        list(Delivery.objects.order_by("pk").values("pk", "state", "updated_at")),
        DeliveryEvent.objects.count(),
        FetchRecord.objects.count(),
    )


@pytest.mark.parametrize(
    "since",
    [
        "0.5",  # a number, once read as epoch seconds
        "0",
        "1714550400",
        "2024-05-01",  # a date without a time
        "2024-05-01T08:00:00",  # no offset
        "2024-05-01T08:00Z",  # no seconds
        "2024-05-01 08:00:00 08:00",  # an unescaped + read as a space
    ],
)
def test_updated_since_must_be_an_rfc_3339_date_time(deliveries, partner_a, since):
    before = stored_state()
    response = partner_a.get(f"/items?updated_since={since}")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "请求参数有误。"
    [error] = body["errors"]
    assert error["loc"] == ["query", "updated_since"]
    assert "RFC 3339" in error["msg"] and "带时区" in error["msg"]
    assert stored_state() == before


@pytest.mark.parametrize(
    "since",
    [
        "2024-05-01T08:00:00Z",
        "2024-05-01t08:00:00.123456z",
        "2024-05-01T08:00:00%2B08:00",
        "0001-01-01T00:00:00%2B23:59",  # before UTC's first moment: everything
        "9999-12-31T23:59:59-23:59",  # after its last: nothing
    ],
)
def test_any_rfc_3339_date_time_is_accepted(deliveries, partner_a, since):
    response = partner_a.get(f"/items?updated_since={since}")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "forge",
    [
        lambda cursor: cursor[:-2] + "xx",
        lambda cursor: "abc",
        lambda cursor: "0.5",
        lambda cursor: cursor.replace(":", ";", 1),
    ],
)
def test_a_malformed_cursor_gets_the_documented_400_in_chinese(
    client, deliveries, partner_a, forge
):
    cursor = partner_a.get("/items?limit=1").json()["next_cursor"]
    before = stored_state()
    response = partner_a.get(f"/items?limit=1&cursor={forge(cursor)}")
    assert response.status_code == 400
    assert response.json() == {"detail": "游标无效或不属于此合作方。"}
    assert stored_state() == before
    documented = client.get(f"{API}/openapi.json").json()["paths"][f"{API}/items"]
    answer = documented["get"]["responses"]["400"]
    assert "游标无效" in answer["description"]
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }


def test_incremental_sync_returns_changes_and_tombstones(
    platforms, deliveries, partner_a, partner_b
):
    since = timezone.now()
    withdrawn, expired, adopted = deliveries["a"][:3]
    untouched = deliveries["a"][3]
    move(withdrawn, DeliveryState.WITHDRAWN)
    move(expired, DeliveryState.EXPIRED)
    move(adopted, DeliveryState.ADOPTED, platform_item_id="KP-1")
    # Another platform's withdrawal is none of A's business.
    move(deliveries["b"][0], DeliveryState.WITHDRAWN)

    query = f"&updated_since={since.isoformat().replace('+', '%2B')}"
    items = {item["id"]: item for item in walk(partner_a, query, limit=2)}
    assert set(items) == {withdrawn.pk, expired.pk, adopted.pk}
    assert items[withdrawn.pk] == {
        "id": withdrawn.pk,
        "deleted": True,
        "state": "withdrawn",
        "updated_at": Delivery.objects.get(pk=withdrawn.pk).updated_at.isoformat(),
    }
    assert items[expired.pk]["deleted"] is True
    assert items[expired.pk]["state"] == "expired"
    assert items[adopted.pk]["state"] == "adopted"
    assert "deleted" not in items[adopted.pk]
    assert untouched.pk not in items
    # The full listing no longer has the withdrawn and expired items.
    listed = {item["id"] for item in walk(partner_a)}
    assert withdrawn.pk not in listed and expired.pk not in listed
    assert adopted.pk in listed
    # B's incremental sync sees only B's own tombstone.
    items_b = walk(partner_b, query)
    assert [(i["id"], i.get("deleted")) for i in items_b] == [
        (deliveries["b"][0].pk, True)
    ]
    # The same moment in another offset is the same sync.
    local = timezone.localtime(since).isoformat().replace("+", "%2B")
    assert set(ids(partner_a.get(f"/items?updated_since={local}"))) == set(items)


def test_sync_tells_partners_to_take_down_rejected_and_redelivering_items(
    deliveries, partner_a
):
    since = timezone.now()
    rejected, redelivering = deliveries["a"][:2]
    partner_a.post(
        f"/items/{rejected.pk}/receipts", {"status": "rejected", "reason": "重复"}
    )
    move(redelivering, DeliveryState.WITHDRAWN)
    move(redelivering, DeliveryState.READY)
    query = f"&updated_since={since.isoformat().replace('+', '%2B')}"
    items = {item["id"]: item for item in walk(partner_a, query)}
    assert set(items) == {rejected.pk, redelivering.pk}
    assert all(
        item["deleted"] and item["state"] == "withdrawn" for item in items.values()
    )
    # A delivery that was never delivered is no tombstone.
    assert deliveries["draft_a"].pk not in items


def test_incremental_sync_sees_availability_windows_open_and_close(
    platforms, deliveries
):
    """No write happens when a window opens or closes; sync still sees it."""
    since = timezone.now()
    opening, closing = deliveries["a"][0], deliveries["a"][1]
    Delivery.objects.filter(pk=opening.pk).update(
        available_from=since + dt.timedelta(minutes=30)
    )
    Delivery.objects.filter(pk=closing.pk).update(
        available_until=since + dt.timedelta(minutes=40)
    )
    # A query in an hour's time, without touching updated_at.
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries["a"]]).update(
        updated_at=since - dt.timedelta(days=1)
    )
    rows, _ = page_rows(
        platforms["a"],
        partner_id=1,
        since=since,
        cursor=None,
        limit=50,
        now=since + dt.timedelta(hours=1),
    )
    assert [row["id"] for row in rows] == [opening.pk, closing.pk]
    rows_before, _ = page_rows(
        platforms["a"], partner_id=1, since=since, cursor=None, limit=50, now=since
    )
    assert rows_before == []


# --- details and downloads ---------------------------------------------------


def download(partner: Partner, url: str, **extra) -> tuple[int, bytes, dict]:
    response = partner.client.get(url, **extra)
    if response.streaming:
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    return response.status_code, body, response


def test_item_detail_has_renditions_with_working_signed_links(
    delivered_with_media, media, partner_a
):
    response = partner_a.get(f"/items/{delivered_with_media.pk}")
    assert response.status_code == 200
    item = response.json()
    assert item["title"] == "带媒体的短视频" and item["topics"] == ["声学", "非遗"]
    renditions = {r["kind"]: r for r in item["renditions"]}
    assert set(renditions) == {"mp4", "hls_master", "poster"}
    mp4 = renditions["mp4"]
    assert (mp4["mime_type"], mp4["width"], mp4["height"], mp4["size"]) == (
        "video/mp4",
        160,
        120,
        len(media.files["download.mp4"]),
    )
    expires = dt.datetime.fromisoformat(mp4["expires_at"])
    assert (
        dt.timedelta(minutes=9) < expires - timezone.now() <= dt.timedelta(minutes=10)
    )
    status, body, headers = download(partner_a, mp4["url"])
    assert status == 200 and body == media.files["download.mp4"]
    assert headers["Content-Disposition"].startswith("attachment;")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Type"] == "video/mp4"
    status, body, _ = download(partner_a, renditions["poster"]["url"])
    assert status == 200 and body == media.files["poster.jpg"]


def test_hls_master_link_serves_playlists_whose_every_file_is_signed(
    delivered_with_media, media, partner_a, partner_b
):
    item = partner_a.get(f"/items/{delivered_with_media.pk}").json()
    master_url = next(r["url"] for r in item["renditions"] if r["kind"] == "hls_master")
    status, body, _ = download(partner_a, master_url)
    assert status == 200
    master = body.decode()
    assert "120p/index.m3u8" not in master  # every reference was replaced
    links = [line for line in master.splitlines() if line and not line.startswith("#")]
    audio = master.split('URI="', 1)[1].split('"', 1)[0]
    fetched = {}
    for playlist_url in links + [audio]:
        status, body, _ = download(partner_a, playlist_url)
        assert status == 200
        variant = body.decode()
        init = variant.split('URI="', 1)[1].split('"', 1)[0]
        segment = [line for line in variant.splitlines() if line and line[0] != "#"]
        for url in [init, *segment]:
            status, content, _ = download(partner_a, url)
            assert status == 200
            fetched[url] = content
    assert set(fetched.values()) == {
        b"init-section",
        b"segment-zero",
        b"audio-init",
        b"audio-segment",
    }
    # Another partner presenting its own key cannot use A's links.
    status, body, _ = download(partner_b, master_url, **partner_b.auth)
    assert status == 403
    # Once withdrawn, the nested links stop too.
    move(delivered_with_media, DeliveryState.WITHDRAWN)
    status, _, _ = download(partner_a, next(iter(fetched)))
    assert status == 410


def test_download_links_are_refused_once_expired(delivered_with_media, partner_a):
    issued_an_hour_ago = time.time() - 3600
    with mock.patch("django.core.signing.time.time", return_value=issued_an_hour_ago):
        item = partner_a.get(f"/items/{delivered_with_media.pk}").json()
    status, body, headers = download(partner_a, item["renditions"][0]["url"])
    assert status == 410
    assert headers["Content-Type"].startswith("application/json")
    assert "已过期" in headers.json()["detail"]


def test_download_max_age_is_a_setting(delivered_with_media, partner_a, settings):
    url = partner_a.get(f"/items/{delivered_with_media.pk}").json()["renditions"][0][
        "url"
    ]
    settings.PARTNER_DOWNLOAD_MAX_AGE = -1
    assert download(partner_a, url)[0] == 410
    settings.PARTNER_DOWNLOAD_MAX_AGE = 600
    assert download(partner_a, url)[0] == 200


def test_download_links_are_refused_once_withdrawn_or_redelivered(
    delivered_with_media, partner_a, media
):
    url = partner_a.get(f"/items/{delivered_with_media.pk}").json()["renditions"][0][
        "url"
    ]
    assert download(partner_a, url)[0] == 200
    move(delivered_with_media, DeliveryState.WITHDRAWN)
    status, _, response = download(partner_a, url)
    assert status == 410
    assert response.json()["detail"] == "该内容已撤回或已过期，不能再下载。"
    # Delivered again: a new version, and links of the old one stay dead.
    move(delivered_with_media, DeliveryState.READY)
    move(delivered_with_media, DeliveryState.DELIVERED)
    status, _, response = download(partner_a, url)
    assert status == 410 and "重新交付" in response.json()["detail"]
    fresh = partner_a.get(f"/items/{delivered_with_media.pk}").json()
    assert fresh["version"] == 2
    assert download(partner_a, fresh["renditions"][0]["url"])[0] == 200


def test_download_links_cannot_be_forged_or_used_by_another_partner(
    delivered_with_media, partner_a, partner_b, platforms
):
    url = partner_a.get(f"/items/{delivered_with_media.pk}").json()["renditions"][0][
        "url"
    ]
    token = url.rsplit("/", 1)[1]
    payload, stamp, signature = token.rsplit(":", 2)
    forged = f"{url.rsplit('/', 1)[0]}/{payload}:{stamp}:{signature[::-1]}"
    status, _, response = download(partner_a, forged)
    assert status == 403 and response.json()["detail"] == "下载链接无效。"
    status, _, response = download(partner_b, url, **partner_b.auth)
    assert status == 403 and response.json()["detail"] == "此下载链接属于其他合作方。"
    # B never sees A's item at all.
    assert partner_b.get(f"/items/{delivered_with_media.pk}").status_code == 404
    assert delivered_with_media.pk not in {i["id"] for i in walk(partner_b)}
    # A deactivated partner's links stop.
    partner_a.account.is_active = False
    partner_a.account.save()
    assert download(partner_a, url)[0] == 403


def test_on_s3_links_are_short_lived_presigned_urls(
    s3_storage, s3_endpoint, platforms, partner_a, demo
):
    media = publish_media("S3 上的视频")
    page = new_short_video("S3 短视频")
    delivery = deliver(page, platforms["a"], asset=media.asset)
    item = partner_a.get(f"/items/{delivery.pk}").json()
    renditions = {r["kind"]: r for r in item["renditions"]}
    mp4_url = renditions["mp4"]["url"]
    query = parse_qs(urlsplit(mp4_url).query)
    assert query["X-Amz-Expires"] == ["600"]
    assert "X-Amz-Signature" in query
    with urllib.request.urlopen(mp4_url, timeout=10) as answer:
        assert answer.read() == media.files["download.mp4"]
    # HLS goes through the signed view, which presigns every media file.
    status, body, _ = download(partner_a, renditions["hls_master"]["url"])
    assert status == 200
    variant_url = next(
        line for line in body.decode().splitlines() if line and line[0] != "#"
    )
    assert variant_url.startswith("http://testserver/api/partner/v1/downloads/")
    status, body, _ = download(partner_a, variant_url)
    segment_url = next(
        line for line in body.decode().splitlines() if line and line[0] != "#"
    )
    assert "X-Amz-Signature" in segment_url
    with urllib.request.urlopen(segment_url, timeout=10) as answer:
        assert answer.read() == b"segment-zero"


def test_on_s3_links_can_go_through_the_view_to_stop_at_withdrawal(
    s3_storage, s3_endpoint, platforms, partner_a, demo, settings
):
    settings.PARTNER_DOWNLOADS_VIA_VIEW = True
    media = publish_media("S3 上的视频")
    delivery = deliver(new_short_video("S3 短视频"), platforms["a"], asset=media.asset)
    item = partner_a.get(f"/items/{delivery.pk}").json()
    url = next(r["url"] for r in item["renditions"] if r["kind"] == "mp4")
    assert url.startswith("http://testserver/api/partner/v1/downloads/")
    response = partner_a.client.get(url)
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query)["X-Amz-Expires"] == ["60"]
    with urllib.request.urlopen(response["Location"], timeout=10) as answer:
        assert answer.read() == media.files["download.mp4"]
    move(delivery, DeliveryState.WITHDRAWN)
    assert partner_a.client.get(url).status_code == 410


# --- receipts ----------------------------------------------------------------


def test_receipts_move_the_ledger_and_record_the_partner(deliveries, partner_a):
    received, published, rejected = deliveries["a"][:3]
    body = {"status": "received", "platform_item_id": "KP-100"}
    response = partner_a.post(f"/items/{received.pk}/receipts", body)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "received" and response.json()["changed"]
    event = DeliveryEvent.objects.filter(delivery=received).last()
    assert (event.from_state, event.to_state, event.via) == (
        "delivered",
        "received",
        Via.PARTNER_API,
    )
    assert event.partner == partner_a.account
    assert event.payload["platform_item_id"] == "KP-100"

    body = {
        "status": "published",
        "platform_item_id": "KP-101",
        "platform_url": "https://www.kepuchina.cn/v/101",
    }
    response = partner_a.post(f"/items/{published.pk}/receipts", body)
    assert response.status_code == 200
    delivery = Delivery.objects.get(pk=published.pk)
    assert delivery.state == DeliveryState.ADOPTED
    assert delivery.platform_item_id == "KP-101"
    assert delivery.platform_url == "https://www.kepuchina.cn/v/101"
    assert delivery.adopted_on == timezone.localdate()
    assert response.json()["adopted_on"] == delivery.adopted_on.isoformat()

    body = {
        "status": "rejected",
        "platform_item_id": "KP-102",
        "reason": "画面分辨率不足",
    }
    partner_a.post(f"/items/{rejected.pk}/receipts", body)
    delivery = Delivery.objects.get(pk=rejected.pk)
    assert delivery.state == DeliveryState.REJECTED
    assert delivery.rejection_reason == "画面分辨率不足"
    assert (
        DeliveryEvent.objects.filter(delivery=rejected).last().reason
        == "画面分辨率不足"
    )

    # The same receipt again is a retry: 200, nothing changes.
    events = DeliveryEvent.objects.count()
    response = partner_a.post(
        f"/items/{published.pk}/receipts",
        {
            "status": "published",
            "platform_item_id": "KP-101",
            "platform_url": "https://www.kepuchina.cn/v/101",
        },
    )
    assert response.status_code == 200 and response.json()["changed"] is False
    assert DeliveryEvent.objects.count() == events


def test_illegal_receipts_get_409_with_the_ledger_reason(deliveries, partner_a):
    adopted, withdrawn = deliveries["a"][:2]
    move(adopted, DeliveryState.ADOPTED)
    move(withdrawn, DeliveryState.WITHDRAWN)
    response = partner_a.post(f"/items/{adopted.pk}/receipts", {"status": "received"})
    assert response.status_code == 409
    assert response.json()["detail"] == "不能从“已采用”变为“平台已接收”。"
    response = partner_a.post(
        f"/items/{withdrawn.pk}/receipts",
        {"status": "published", "platform_item_id": "X"},
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "不能从“已撤回”变为“已采用”。"
    assert Delivery.objects.get(pk=adopted.pk).state == DeliveryState.ADOPTED


def test_receipts_are_validated_and_limited_to_the_partners_platform(
    deliveries, partner_a, partner_b
):
    item = deliveries["a"][0]
    for body in (
        {"status": "liked"},
        {},
        {"status": "published", "platform_url": "javascript:alert(1)"},
        {"status": "received", "platform_item_id": "x" * 201},
        {"status": "received", "platform_item_id": "a\x00b"},
    ):
        response = partner_a.post(f"/items/{item.pk}/receipts", body)
        assert response.status_code == 422, body
        error = response.json()["errors"][0]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["msg"]), error
    response = partner_a.client.post(
        f"{API}/items/{item.pk}/receipts",
        "{not json",
        content_type="application/json",
        **partner_a.auth,
    )
    assert response.status_code in (400, 422)
    response = partner_b.post(f"/items/{item.pk}/receipts", {"status": "received"})
    assert response.status_code == 404
    assert Delivery.objects.get(pk=item.pk).state == DeliveryState.DELIVERED
    draft = deliveries["draft_a"]
    response = partner_a.post(f"/items/{draft.pk}/receipts", {"status": "received"})
    assert response.status_code == 404


# --- ETags, rate limits, fetch records ---------------------------------------


def test_list_and_detail_answer_304_to_a_matching_etag(deliveries, partner_a):
    response = partner_a.get("/items?limit=5")
    etag = response["ETag"]
    again = partner_a.get("/items?limit=5", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    assert again["X-RateLimit-Remaining"]
    assert partner_a.get("/items?limit=6", HTTP_IF_NONE_MATCH=etag).status_code == 200
    # A change to a listed item changes the tag.
    move(deliveries["a"][0], DeliveryState.RECEIVED)
    changed = partner_a.get("/items?limit=5", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag

    item = deliveries["a"][1]
    detail = partner_a.get(f"/items/{item.pk}")
    tag = detail["ETag"]
    assert partner_a.get(f"/items/{item.pk}", HTTP_IF_NONE_MATCH=tag).status_code == 304
    assert (
        partner_a.get(f"/items/{item.pk}", HTTP_IF_NONE_MATCH=f'"x", {tag}').status_code
        == 304
    )
    # Editing the page (published) changes the tag too.
    page = item.page.specific
    page.title = "新标题"
    page.save_revision().publish()
    response = partner_a.get(f"/items/{item.pk}", HTTP_IF_NONE_MATCH=tag)
    assert response.status_code == 200 and response.json()["title"] == "新标题"


def test_304_is_cheap(deliveries, partner_a):
    etag = partner_a.get("/items?limit=50")["ETag"]
    with CaptureQueriesContext(connection) as queries:
        response = partner_a.get("/items?limit=50", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    # The key, the page of deliveries, the fetch record: nothing serialised.
    assert len(queries) <= 3, [q["sql"] for q in queries]


def test_rate_limit_per_key_with_headers_and_retry_after(
    deliveries, partner_a, partner_b, settings
):
    settings.PARTNER_API_RATE_LIMIT = 3
    remaining = []
    for _ in range(3):
        response = partner_a.get("/items?limit=1")
        assert response.status_code == 200
        assert response["X-RateLimit-Limit"] == "3"
        remaining.append(response["X-RateLimit-Remaining"])
        reset = int(response["X-RateLimit-Reset"])
        assert time.time() < reset <= time.time() + 60
    assert remaining == ["2", "1", "0"]
    response = partner_a.get(f"/items/{deliveries['a'][0].pk}")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Remaining"] == "0"
    assert "请求过于频繁" in response.json()["detail"]
    # Another key has a budget of its own.
    assert partner_b.get("/items").status_code == 200
    # Errors are counted and carry the headers too.
    settings.PARTNER_API_RATE_LIMIT = 10
    response = partner_b.get("/items/999999999")
    assert response.status_code == 404 and response["X-RateLimit-Remaining"] == "8"


def test_every_fetch_is_recorded(delivered_with_media, partner_a):
    FetchRecord.objects.all().delete()
    partner_a.get("/items?limit=2", REMOTE_ADDR="203.0.113.7")
    item = partner_a.get(f"/items/{delivered_with_media.pk}").json()
    download(partner_a, item["renditions"][0]["url"])
    partner_a.get("/feeds/mrss")
    partner_a.get("/feeds/json")
    records = list(FetchRecord.objects.order_by("pk"))
    assert [r.kind for r in records] == ["list", "item", "download", "feed", "feed"]
    assert all(r.partner == partner_a.account for r in records)
    listing, detail, fetched = records[:3]
    assert listing.delivery is None and listing.address == "203.0.113.7"
    assert listing.path == f"{API}/items?limit=2"
    assert (detail.delivery_id, detail.version) == (delivered_with_media.pk, 1)
    assert (fetched.delivery_id, fetched.version) == (delivered_with_media.pk, 1)
    assert records[3].path == f"{API}/feeds/mrss"


def test_queries_do_not_grow_with_the_page_size(
    platforms, deliveries, partner_a, settings
):
    settings.PARTNER_API_ITEM_CACHE_SECONDS = 0  # count the work, not the cache
    for number in range(50 - len(deliveries["a"])):
        deliver(
            new_short_video(f"批量短视频 {number}", topics=("科普",)), platforms["a"]
        )
    partner_a.get("/items?limit=1")  # key's last use, caches warmed

    def queries_for(limit: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = partner_a.get(f"/items?limit={limit}")
        items = response.json()["items"]
        assert len(items) == limit
        assert {i["kind"] for i in items} == {"episode", "short_video", "music_work"}
        return len(queries)

    small, large = queries_for(5), queries_for(50)
    assert large <= small
    # Nothing stored here: the page's rows, then those to build in full.
    assert large <= 15


# --- OpenAPI -----------------------------------------------------------------


def test_openapi_schema_is_published_and_valid(client):
    import schemathesis

    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    schemathesis.openapi.from_dict(schema).validate()  # OpenAPI 3.1 meta-schema
    assert schema["components"]["securitySchemes"]["PartnerKeyAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    paths = schema["paths"]
    for path in (
        "/api/partner/v1/items",
        "/api/partner/v1/items/{item_id}",
        "/api/partner/v1/items/{item_id}/receipts",
        "/api/partner/v1/feeds/mrss",
        "/api/partner/v1/feeds/json",
        "/api/partner/v1/downloads/{token}",
    ):
        assert path in paths


@pytest.fixture
def partner_api_schema(deliveries, delivered_with_media, partner_a, settings):
    """The live schema, loaded through the WSGI application, with the test
    data in place. The WSGI handler must not close the test's connection (it
    holds the transaction the test rolls back), as Django's test client also
    ensures."""
    import schemathesis
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    settings.PARTNER_API_RATE_LIMIT = 0  # the run makes hundreds of requests
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            f"{API}/openapi.json", get_wsgi_application()
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def fuzz(strategy, *, headers: dict) -> None:
    """Every case ``strategy`` makes, sent and checked with all of
    schemathesis's checks."""
    from hypothesis import HealthCheck, given, settings

    @given(case=strategy)
    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):
        case.call_and_validate(headers=headers)

    run()


@pytest.fixture
def cursors_given(deliveries, partner_a) -> list[str]:
    """Cursors the API gave partner A: of a full listing and of a sync.
    (Asked before ``partner_api_schema``: the test client connects again the
    signal that fixture disconnects.)"""
    cursors = []
    for query in ("", "&updated_since=2000-01-01T00:00:00Z"):
        cursor = partner_a.get(f"/items?limit=1{query}").json()["next_cursor"]
        assert cursor
        cursors.append(cursor)
    return cursors


def test_schemathesis_finds_nothing_with_all_checks(
    cursors_given, partner_api_schema, partner_a
):
    """Every operation, fuzzed from the schema (valid and invalid input),
    with a valid key, checked as a partner's client would with all of
    schemathesis's checks: no 5xx; every answer documented (status, content
    type, body, headers); valid input accepted; invalid input refused.

    A cursor is any string to a schema, but only one the API gave is valid
    (others get the documented 400): a client sends back the cursors it was
    given, and so does the valid input here.

    (schemathesis's pytest plugin does not run on pytest 9 yet, so the
    operations' Hypothesis strategies are driven directly.)"""
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    headers = {"Authorization": f"Bearer {partner_a.key}"}
    cursors = st.sampled_from(cursors_given)

    def with_cursor_given(case, cursor):
        if isinstance((case.query or {}).get("cursor"), str):
            case.query["cursor"] = cursor
        return case

    operations = [result.ok() for result in partner_api_schema.get_all_operations()]
    # Six syndication operations, four of the brand library and three of the
    # outdoor screens (answered 403 here: partner A runs no screen network).
    assert len(operations) == 13
    for operation in operations:
        # The coverage phase first (boundaries and wrong types, as
        # ``schemathesis run`` does), then fuzzing.
        for case in partner_api_schema.iter_coverage_cases(
            operation,
            generation_modes=list(GenerationMode),
            generation_config=partner_api_schema.config.generation_for(
                operation=operation, phase="coverage"
            ),
        ):
            if case.meta.generation.mode.is_positive:
                case = with_cursor_given(case, cursors_given[0])
            case.call_and_validate(headers=headers)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            if mode.is_positive and operation.label == "GET /api/partner/v1/items":
                strategy = st.tuples(strategy, cursors).map(
                    lambda pair: with_cursor_given(*pair)
                )
            fuzz(strategy, headers=headers)


def test_cached_items_make_a_listing_cheap_and_changes_show_at_once(
    deliveries, partner_a
):
    first = partner_a.get("/items?limit=50").json()["items"]
    with CaptureQueriesContext(connection) as queries:
        again = partner_a.get("/items?limit=50").json()["items"]
    assert again == first
    # The key, the page of deliveries, the fetch record: items from the cache.
    assert len(queries) <= 3, [q["sql"] for q in queries]
    item = deliveries["a"][0]
    page = item.page.specific
    page.title = "改过的标题"
    page.save_revision().publish()
    move(item, DeliveryState.RECEIVED)
    changed = {i["id"]: i for i in partner_a.get("/items?limit=50").json()["items"]}
    assert changed[item.pk]["title"] == "改过的标题"
    assert changed[item.pk]["state"] == "received"
