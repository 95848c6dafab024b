"""What a partner is offered of a delivered item: the delivery profile's own
file (the one QC checked), not the site's web rendition; the item's subtitle
tracks; its 出品单位 and 版权方 — in the item detail and in both feeds."""

from __future__ import annotations

import hashlib
import secrets
from xml.etree import ElementTree as ET

import pytest

from media_pipeline.models import MediaAsset
from syndication.feeds import MEDIA_NS
from syndication.models import DeliveryState
from syndication.services import delivery_create

from .builders import (
    add_subtitles,
    delivery_profile,
    publish_job,
    short_video,
    transcode_profile,
)
from .conftest import deliver, move
from .test_feeds import json_feed, mrss
from .test_partner_api import download

pytestmark = pytest.mark.django_db

DELIVERY_BYTES = b"\x00\x00\x00\x18ftypmp42" + b"delivery-1080p" * 200


@pytest.fixture
def delivered_file(platforms, media):
    """A short video delivered to A under a profile whose file a transcode
    profile of its own made at 1080p, beside the asset's published 160×120
    web renditions (MP4, HLS, poster)."""
    own = transcode_profile(download_height=1080)
    profile = delivery_profile(platforms["a"], transcode_profile=own)
    page = short_video(
        "交付文件的短视频",
        asset=media.asset,
        producing_unit="达拉特旗融媒体中心",
        rights_holder="鄂尔多斯市科学技术协会",
    )
    job = publish_job(
        media.asset,
        own,
        duration=2.0,
        store_files=True,
        mp4_bytes=DELIVERY_BYTES,
    )
    media.asset.refresh_from_db()
    assert media.asset.published_job_id != job.pk  # the site keeps its own
    delivery = delivery_create(page=page, profile=profile)
    for state in (DeliveryState.READY, DeliveryState.DELIVERED):
        delivery = move(delivery, state)
    return delivery


def offered(partner, delivery) -> dict:
    response = partner.get(f"/items/{delivery.pk}")
    assert response.status_code == 200, response.content
    return response.json()


def test_item_detail_offers_the_delivery_file_not_the_web_rendition(
    delivered_file, media, partner_a
):
    item = offered(partner_a, delivered_file)
    mp4s = [r for r in item["renditions"] if r["kind"] == "mp4"]
    assert [(r["width"], r["height"], r["size"]) for r in mp4s] == [
        (1920, 1080, len(DELIVERY_BYTES))
    ]
    # Kinds the delivery job did not make come from the published job.
    assert [r["kind"] for r in item["renditions"]] == ["mp4", "hls_master", "poster"]
    status, body, response = download(partner_a, mp4s[0]["url"])
    assert status == 200 and body == DELIVERY_BYTES
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_delivery_file_of_an_older_original_is_neither_offered_nor_served(
    delivered_file, media, partner_a
):
    old_link = next(
        r["url"]
        for r in offered(partner_a, delivered_file)["renditions"]
        if r["kind"] == "mp4"
    )
    # The original is replaced: the delivery job was made from the old one.
    MediaAsset.objects.filter(pk=media.asset.pk).update(
        sha256=hashlib.sha256(secrets.token_bytes(8)).hexdigest()
    )

    item = offered(partner_a, delivered_file)
    assert [
        (r["height"], r["size"]) for r in item["renditions"] if r["kind"] == "mp4"
    ] == [(120, len(media.files["download.mp4"]))]
    status, body, _ = download(partner_a, old_link)
    assert status == 410
    assert "新的转码结果取代" in body.decode()


def test_item_detail_lists_subtitles_with_working_addresses(
    delivered_file, media, partner_a
):
    before = partner_a.get(f"/items/{delivered_file.pk}")
    assert before.json()["subtitles"] == []
    captions = add_subtitles(media.asset, kind="captions")
    chinese = add_subtitles(media.asset, "zh-Hans")
    english = add_subtitles(media.asset, "en", filename="en.srt")

    # A track added changes no delivery, but it does change the tag.
    response = partner_a.get(
        f"/items/{delivered_file.pk}", HTTP_IF_NONE_MATCH=before["ETag"]
    )
    assert response.status_code == 200
    subtitles = response.json()["subtitles"]
    # Chinese first, plain subtitles before captions.
    assert [(s["language"], s["kind"]) for s in subtitles] == [
        ("zh-Hans", "subtitles"),
        ("zh-Hans", "captions"),
        ("en", "subtitles"),
    ]
    for entry, track in zip(subtitles, (chinese, captions, english), strict=True):
        assert (entry["sha256"], entry["size"], entry["cues"]) == (
            track.sha256,
            track.size,
            track.cue_count,
        )
        assert entry["format"] == "text/vtt"
        got = partner_a.client.get(entry["url"])
        assert got.status_code == 200
        assert got["Content-Type"] == "text/vtt; charset=utf-8"
        assert got.content.startswith(b"WEBVTT")
        assert hashlib.sha256(got.content).hexdigest() == entry["sha256"]


def test_items_carry_producing_unit_and_rights_holder_of_every_kind(
    platforms, partner_a
):
    from cms.music.models import MusicWorkPage
    from cms.programmes.models import EpisodePage

    pages = [
        EpisodePage.objects.order_by("path").first(),
        MusicWorkPage.objects.order_by("path").first(),
    ]
    for page, unit in zip(pages, ("准格尔旗科协", "伊金霍洛旗文化馆"), strict=True):
        page.producing_unit = unit
        page.rights_holder = "百嘎丽（鄂尔多斯市科学技术协会）"
        page.save_revision().publish()
    deliveries = [deliver(page, platforms["a"]) for page in pages]

    items = {item["id"]: item for item in partner_a.get("/items").json()["items"]}
    assert [items[d.pk]["rights"] for d in deliveries] == [
        {
            "producing_unit": "准格尔旗科协",
            "rights_holder": "百嘎丽（鄂尔多斯市科学技术协会）",
        },
        {
            "producing_unit": "伊金霍洛旗文化馆",
            "rights_holder": "百嘎丽（鄂尔多斯市科学技术协会）",
        },
    ]
    assert offered(partner_a, deliveries[1])["rights"]["producing_unit"] == (
        "伊金霍洛旗文化馆"
    )


def test_feeds_offer_the_delivery_file_and_the_subtitles(
    delivered_file, media, partner_a
):
    track = add_subtitles(media.asset)

    parsed, response = mrss(partner_a)
    entry = next(e for e in parsed.entries if e.title == "交付文件的短视频")
    contents = [c for c in entry.media_content if c["type"] == "video/mp4"]
    assert [(c["height"], c["filesize"]) for c in contents] == [
        ("1080", str(len(DELIVERY_BYTES)))
    ]
    status, body, _ = download(partner_a, contents[0]["url"])
    assert status == 200 and body == DELIVERY_BYTES
    # feedparser keeps one attribute set of media:subTitle; read the XML too.
    item = next(
        i
        for i in ET.fromstring(response.content).iter("item")
        if i.findtext("title") == "交付文件的短视频"
    )
    subtitles = item.findall(f"{{{MEDIA_NS}}}subTitle")
    assert [(s.get("type"), s.get("lang")) for s in subtitles] == [
        ("text/vtt", "zh-Hans")
    ]
    assert partner_a.client.get(subtitles[0].get("href")).status_code == 200
    assert item.findtext(f"{{{MEDIA_NS}}}copyright") == "© 鄂尔多斯市科学技术协会"

    feed = json_feed(partner_a)
    entry = next(i for i in feed["items"] if i["title"] == "交付文件的短视频")
    attachment = next(a for a in entry["attachments"] if a["mime_type"] == "video/mp4")
    assert attachment["size_in_bytes"] == len(DELIVERY_BYTES)
    extension = entry["_baigali"]
    assert [s["sha256"] for s in extension["subtitles"]] == [track.sha256]
    assert extension["rights"] == {
        "producing_unit": "达拉特旗融媒体中心",
        "rights_holder": "鄂尔多斯市科学技术协会",
    }
