"""The partner feeds, read back as a partner would: Media RSS with feedparser,
JSON Feed 1.1 against the specification's structure."""

from __future__ import annotations

import datetime as dt
import json
from xml.etree import ElementTree as ET

import feedparser
import jsonschema_rs
import pytest
from django.utils import timezone

from syndication.models import Delivery, DeliveryState

from .conftest import API, deliver, move, new_short_video

pytestmark = pytest.mark.django_db

MEDIA_NS = "http://search.yahoo.com/mrss/"

#: JSON Feed 1.1 (https://jsonfeed.org/version/1.1) as a JSON Schema: the
#: required fields, the types of the optional ones, and the rule that an
#: item has content_html or content_text. Extensions start with "_".
JSON_FEED_1_1 = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"},
        "home_page_url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri"},
        "description": {"type": "string"},
        "language": {"type": "string"},
        "authors": {"$ref": "#/$defs/authors"},
        "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
    },
    "$defs": {
        "authors": {
            "type": "array",
            "items": {
                "type": "object",
                "anyOf": [
                    {"required": ["name"]},
                    {"required": ["url"]},
                    {"required": ["avatar"]},
                ],
                "properties": {"name": {"type": "string"}},
            },
        },
        "item": {
            "type": "object",
            "required": ["id"],
            "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
            "properties": {
                "id": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
                "title": {"type": "string"},
                "content_text": {"type": "string"},
                "summary": {"type": "string"},
                "image": {"type": "string", "format": "uri"},
                "date_published": {"type": "string", "format": "date-time"},
                "date_modified": {"type": "string", "format": "date-time"},
                "authors": {"$ref": "#/$defs/authors"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "language": {"type": "string"},
                "attachments": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["url", "mime_type"],
                        "properties": {
                            "url": {"type": "string", "format": "uri"},
                            "mime_type": {"type": "string"},
                            "title": {"type": "string"},
                            "size_in_bytes": {"type": "number"},
                            "duration_in_seconds": {"type": "number"},
                        },
                    },
                },
            },
        },
    },
}


def guid(delivery) -> str:
    return f"urn:baigali:delivery:{delivery.pk}"


def mrss(partner):
    response = partner.get("/feeds/mrss")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    ET.fromstring(response.content)  # well-formed
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed, response


def json_feed(partner) -> dict:
    response = partner.get("/feeds/json")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/feed+json; charset=utf-8"
    feed = json.loads(response.content)
    jsonschema_rs.validator_for(JSON_FEED_1_1, validate_formats=True).validate(feed)
    return feed


def fetch(partner, url: str) -> tuple[int, bytes]:
    response = partner.client.get(url)
    if response.streaming:
        return response.status_code, b"".join(response.streaming_content)
    return response.status_code, response.content


def test_media_rss_is_read_back_with_feedparser(
    deliveries, delivered_with_media, media, partner_a
):
    parsed, _ = mrss(partner_a)
    assert parsed.version == "rss20"
    assert parsed.feed.title == "百嘎丽 · 科普中国"
    entries = {entry.id: entry for entry in parsed.entries}
    assert set(entries) == {guid(d) for d in [*deliveries["a"], delivered_with_media]}

    entry = entries[guid(delivered_with_media)]
    assert entry.title == "带媒体的短视频"
    assert entry.summary == "带媒体的短视频的内容提要"
    content = entry.media_content
    mp4 = content[0]
    assert (mp4["type"], mp4["filesize"], mp4["duration"]) == (
        "video/mp4",
        str(len(media.files["download.mp4"])),
        "2",
    )
    assert (mp4["width"], mp4["height"], mp4["medium"]) == ("160", "120", "video")
    assert mp4["isdefault"] == "true"
    assert content[1]["type"] == "application/vnd.apple.mpegurl"
    assert fetch(partner_a, mp4["url"]) == (200, media.files["download.mp4"])
    thumbnail = entry.media_thumbnail[0]
    assert (thumbnail["width"], thumbnail["height"]) == ("160", "120")
    assert fetch(partner_a, thumbnail["url"]) == (200, media.files["poster.jpg"])
    assert entry.media_credit == [
        {"role": "director", "scheme": "urn:ebu", "content": "陈思源"}
    ]
    assert entry.media_restriction == {
        "relationship": "allow",
        "type": "country",
        "content": ["cn"],
    }
    assert entry.media_rights == {"status": "official"}
    assert entry.media_copyright == "© 鄂尔多斯市科学技术协会"
    assert entry.media_status == {"state": "active"}
    assert {tag.term for tag in entry.tags} == {"声学", "非遗"}

    episode = next(e for e in parsed.entries if e.title == "库布其沙漠的绿色奇迹")
    assert {(c["role"], c["content"]) for c in episode.media_credit} == {
        ("presenter", "乌兰"),
        ("expert", "苏日娜"),
    }
    assert "media_content" not in episode  # the demo pages have no media


def test_withdrawn_and_expired_items_carry_media_status(
    deliveries, delivered_with_media, partner_a
):
    old_link = mrss(partner_a)[0].entries[0].media_content[0]["url"]
    withdrawn, expired, closed = deliveries["a"][:3]
    move(withdrawn, DeliveryState.WITHDRAWN)
    move(expired, DeliveryState.EXPIRED)
    Delivery.objects.filter(pk=closed.pk).update(
        available_until=timezone.now() - dt.timedelta(hours=1)
    )
    move(delivered_with_media, DeliveryState.WITHDRAWN)

    entries = {entry.id: entry for entry in mrss(partner_a)[0].entries}
    assert entries[guid(withdrawn)].media_status == {
        "state": "deleted",
        "reason": "已撤回：请下线该内容。",
    }
    assert entries[guid(expired)].media_status["state"] == "blocked"
    assert entries[guid(closed)].media_status["state"] == "blocked"
    gone = entries[guid(delivered_with_media)]
    assert gone.media_status["state"] == "deleted"
    assert "media_content" not in gone and "media_thumbnail" not in gone
    assert gone.title == "带媒体的短视频"
    assert fetch(partner_a, old_link)[0] == 410
    still = entries[guid(deliveries["a"][3])]
    assert still.media_status == {"state": "active"}

    feed = json_feed(partner_a)
    items = {item["id"]: item for item in feed["items"]}
    assert items[guid(withdrawn)]["_baigali"]["status"] == "deleted"
    assert items[guid(expired)]["_baigali"]["status"] == "blocked"
    assert "attachments" not in items[guid(delivered_with_media)]


def test_json_feed_is_json_feed_1_1_with_attachments(
    deliveries, delivered_with_media, media, partner_a
):
    feed = json_feed(partner_a)
    assert feed["title"] == "百嘎丽 · 科普中国"
    assert feed["feed_url"] == f"http://testserver{API}/feeds/json"
    items = {item["id"]: item for item in feed["items"]}
    assert set(items) == {guid(d) for d in [*deliveries["a"], delivered_with_media]}
    item = items[guid(delivered_with_media)]
    assert item["title"] == "带媒体的短视频"
    assert item["tags"] == ["声学", "非遗"]
    assert item["authors"] == [{"name": "陈思源"}]
    mp4 = item["attachments"][0]
    assert mp4["mime_type"] == "video/mp4"
    assert mp4["size_in_bytes"] == len(media.files["download.mp4"])
    assert mp4["duration_in_seconds"] == 2.0
    assert fetch(partner_a, mp4["url"]) == (200, media.files["download.mp4"])
    assert fetch(partner_a, item["image"]) == (200, media.files["poster.jpg"])
    extension = item["_baigali"]
    assert extension["delivery_id"] == delivered_with_media.pk
    assert extension["version"] == 1 and extension["status"] == "active"
    assert extension["series"] == "百嘎丽带你看非遗里的科普"


def test_a_partner_never_sees_another_platforms_entries_or_links(
    deliveries, delivered_with_media, partner_a, partner_b
):
    a_ids = {guid(d) for d in [*deliveries["a"], delivered_with_media]}
    b_ids = {guid(d) for d in deliveries["b"]}
    move(deliveries["a"][0], DeliveryState.WITHDRAWN)

    parsed_b, response_b = mrss(partner_b)
    assert {entry.id for entry in parsed_b.entries} == b_ids
    feed_b = json_feed(partner_b)
    assert {item["id"] for item in feed_b["items"]} == b_ids
    a_links = [
        content["url"]
        for entry in mrss(partner_a)[0].entries
        for content in entry.get("media_content", [])
    ]
    assert a_links
    body_b = response_b.content.decode() + json.dumps(feed_b)
    assert not any(link in body_b for link in a_links)
    assert not a_ids & {entry.id for entry in parsed_b.entries}


def test_markup_in_titles_and_names_is_escaped(platforms, partner_a):
    from cms.people.models import Person

    Person.objects.create(name="张 & <李>")
    title = "<b>\"科普\" & 'x'</b> ]]> &amp;"
    page = new_short_video(title, credits=(("张 & <李>", "director"),))
    deliver(page, platforms["a"])
    parsed, response = mrss(partner_a)
    assert b"<b>" not in response.content
    entry = parsed.entries[0]
    assert entry.title == title
    assert entry.media_credit[0]["content"] == "张 & <李>"
    assert json_feed(partner_a)["items"][0]["title"] == title


def test_feeds_answer_304_and_need_a_key(deliveries, partner_a, client):
    for kind, changed in (("mrss", deliveries["a"][0]), ("json", deliveries["a"][1])):
        etag = partner_a.get(f"/feeds/{kind}")["ETag"]
        again = partner_a.get(f"/feeds/{kind}", HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and again.content == b""
        move(changed, DeliveryState.RECEIVED)
        response = partner_a.get(f"/feeds/{kind}", HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200
        assert client.get(f"{API}/feeds/{kind}").status_code == 401


def test_feed_length_is_capped(deliveries, partner_a, settings):
    settings.PARTNER_FEED_MAX_ITEMS = 3
    assert len(mrss(partner_a)[0].entries) == 3
    assert len(json_feed(partner_a)["items"]) == 3
    settings.PARTNER_FEED_MAX_ITEMS = 10**9  # never above Google's 50,000
    from syndication.feeds import feed_max_items

    assert feed_max_items() == 50_000
