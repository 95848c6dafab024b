"""The feeds of a partner's platform: Media RSS and JSON Feed 1.1.

Both list what the partner may fetch now, newest change first, with signed
download links (valid ``PARTNER_DOWNLOAD_MAX_AGE`` seconds), and also the
items it once had and must take down, with the reason: withdrawn, rejected
or being redelivered (``media:status state="deleted"``), expired or past
their availability window (``state="blocked"``). At most
``PARTNER_FEED_MAX_ITEMS`` entries (default and ceiling 50,000, Google's
limit for a feed).

The XML is written with ElementTree, which escapes text and attributes, so
whatever a title or a credit holds the feed stays well-formed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from media_pipeline.models import Rendition, RenditionKind

from .conf import syndication_settings
from .downloads import download_max_age, rendition_url
from .etags import etag_for, matches, not_modified
from .fetch_records import record_fetch
from .items import (
    delivery_rows,
    is_visible,
    items_metadata,
    medium,
    takedown,
    visible_or_gone,
)
from .models import Delivery
from .offers import load_offered_renditions, load_subtitle_tracks, subtitle_out

MEDIA_NS = "http://search.yahoo.com/mrss/"
ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
MAX_ITEMS = 50_000
MRSS_CONTENT_TYPE = "application/rss+xml; charset=utf-8"
JSON_FEED_CONTENT_TYPE = "application/feed+json; charset=utf-8"
#: Media RSS credit roles are lowercase; EBU role names where they differ.
EBU_ROLES = {"host": "presenter", "guest": "guest", "voice": "voice actor"}
#: Files a feed entry links to, besides the poster.
FEED_RENDITION_KINDS = (
    RenditionKind.MP4,
    RenditionKind.M4A,
    RenditionKind.MP3,
    RenditionKind.HLS_MASTER,
)

ET.register_namespace("media", MEDIA_NS)
ET.register_namespace("atom", ATOM_NS)


def feed_max_items() -> int:
    wanted = int(syndication_settings.PARTNER_FEED_MAX_ITEMS)
    return max(1, min(wanted, MAX_ITEMS))


@dataclass
class Link:
    rendition: Rendition
    url: str


@dataclass
class Entry:
    row: dict
    metadata: dict | None
    status: str = "active"  # active, deleted, blocked
    reason: str = ""
    files: list[Link] = field(default_factory=list)
    poster: Link | None = None
    subtitles: list[dict] = field(default_factory=list)  # as ``subtitle_out``


def feed_rows(platform, *, now) -> list[dict]:
    """What the feed lists: visible items, and the delivered ones the partner
    must take down, newest change first. One query."""
    queryset = (
        Delivery.objects.filter(platform=platform)
        .filter(visible_or_gone(now))
        .order_by("-updated_at", "-id")
    )
    return delivery_rows(queryset[: feed_max_items()])


def feed_etag(kind: str, partner, rows: list[dict], now) -> str:
    # Links in the feed expire; the tag changes every half lifetime so a
    # cached copy never holds links older than that. That also bounds how
    # long a 304 can hide what the rows do not show: a subtitle track added
    # to an item's media, a delivery file made again.
    bucket = int(time.time() // max(download_max_age() // 2, 1))
    return etag_for(
        kind,
        partner.pk,
        bucket,
        [
            (
                row["id"],
                row["version"],
                row["state"],
                row["updated_at"],
                row["page__last_published_at"],
                row["asset__published_job_id"],
                is_visible(row, now),
            )
            for row in rows
        ],
    )


def build_entries(request, partner, rows: list[dict], *, now) -> list[Entry]:
    metadata = items_metadata(rows, request)
    visible_rows = [row for row in rows if is_visible(row, now)]
    renditions = load_offered_renditions(visible_rows)
    tracks = load_subtitle_tracks(visible_rows)
    entries = []
    for row in rows:
        entry = Entry(row=row, metadata=metadata.get(row["id"]))
        if not is_visible(row, now):
            down = takedown(row)
            entry.status, entry.reason = down.media_status, down.reason
            entries.append(entry)
            continue
        entry.subtitles = [
            subtitle_out(request, track) for track in tracks.get(row["asset_id"], [])
        ]
        for rendition in renditions.get(row["id"], []):
            if rendition.kind not in FEED_RENDITION_KINDS and (
                rendition.kind != RenditionKind.POSTER
            ):
                continue
            url, _expires = rendition_url(
                request, row=row, partner_id=partner.pk, rendition=rendition
            )
            if rendition.kind == RenditionKind.POSTER:
                entry.poster = entry.poster or Link(rendition, url)
            else:
                entry.files.append(Link(rendition, url))
        entries.append(entry)
    return entries


def _feed_title(partner) -> str:
    return f"百嘎丽 · {partner.platform.name}"


def _home_url(request) -> str:
    return request.build_absolute_uri("/")


def _guid(row: dict) -> str:
    return f"urn:baigali:delivery:{row['id']}"


def _sub(parent, tag: str, text=None, **attributes) -> ET.Element:
    element = ET.SubElement(
        parent, tag, {k: str(v) for k, v in attributes.items() if v is not None}
    )
    if text is not None:
        element.text = str(text)
    return element


def _m(tag: str) -> str:
    return f"{{{MEDIA_NS}}}{tag}"


def render_mrss(request, partner, entries: list[Entry]) -> bytes:
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _sub(rss, "channel")
    _sub(channel, "title", _feed_title(partner))
    _sub(channel, "link", _home_url(request))
    _sub(channel, "description", f"百嘎丽交付给{partner.platform.name}的节目与作品")
    _sub(channel, "language", "zh-cn")
    _sub(channel, "lastBuildDate", format_datetime(timezone.now()))
    _sub(
        channel,
        f"{{{ATOM_NS}}}link",
        href=request.build_absolute_uri(reverse("partner_api:feed_mrss")),
        rel="self",
        type="application/rss+xml",
    )
    for entry in entries:
        row, metadata = entry.row, entry.metadata or {}
        item = _sub(channel, "item")
        title = metadata.get("title") or f"#{row['id']}"
        _sub(item, "title", title)
        if metadata.get("web_url"):
            _sub(item, "link", metadata["web_url"])
        _sub(item, "guid", _guid(row), isPermaLink="false")
        if row["delivered_at"]:
            _sub(item, "pubDate", format_datetime(row["delivered_at"]))
        if entry.status != "active":
            _sub(item, "description", entry.reason)
            _sub(item, _m("status"), state=entry.status, reason=entry.reason)
            continue
        _sub(item, "description", metadata["description"])
        for topic in metadata["topics"]:
            _sub(item, "category", topic)
        for index, link in enumerate(entry.files):
            rendition = link.rendition
            _sub(
                item,
                _m("content"),
                url=link.url,
                fileSize=rendition.size,
                type=rendition.mime_type,
                medium=medium(row),
                isDefault="true" if index == 0 else None,
                expression="full",
                bitrate=round(rendition.bitrate / 1000) if rendition.bitrate else None,
                duration=round(rendition.duration or metadata["duration"] or 0) or None,
                width=rendition.width,
                height=rendition.height,
                lang="zh",
            )
        _sub(item, _m("title"), title, type="plain")
        _sub(item, _m("description"), metadata["description"], type="plain")
        if entry.poster:
            poster = entry.poster.rendition
            _sub(
                item,
                _m("thumbnail"),
                url=entry.poster.url,
                width=poster.width,
                height=poster.height,
            )
        for track in entry.subtitles:
            _sub(
                item,
                _m("subTitle"),
                type="text/vtt",
                lang=track["language"],
                href=track["url"],
            )
        for credit in metadata["credits"]:
            _sub(
                item,
                _m("credit"),
                credit["name"],
                role=EBU_ROLES.get(credit["role"], credit["role"]),
                scheme="urn:ebu",
            )
        if metadata["topics"]:
            _sub(item, _m("keywords"), ", ".join(metadata["topics"]))
        _sub(item, _m("copyright"), f"© {metadata['rights']['rights_holder']}")
        _sub(item, _m("rights"), status="official")
        _sub(item, _m("restriction"), "cn", relationship="allow", type="country")
        _sub(item, _m("status"), state="active")
    ET.indent(rss)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)


def render_json_feed(request, partner, entries: list[Entry]) -> bytes:
    items = []
    for entry in entries:
        row, metadata = entry.row, entry.metadata or {}
        item = {
            "id": _guid(row),
            "title": metadata.get("title") or f"#{row['id']}",
            "date_modified": row["updated_at"].isoformat(),
            "language": "zh-CN",
        }
        if row["delivered_at"]:
            item["date_published"] = row["delivered_at"].isoformat()
        if metadata.get("web_url"):
            item["url"] = metadata["web_url"]
        extension = {"delivery_id": row["id"], "version": row["version"]}
        if entry.status != "active":
            item["content_text"] = entry.reason
            extension.update(
                status=entry.status, state=row["state"], reason=entry.reason
            )
            item["_baigali"] = extension
            items.append(item)
            continue
        item["content_text"] = metadata["description"] or metadata["title"]
        if metadata["description"]:
            item["summary"] = metadata["description"]
        if entry.poster:
            item["image"] = entry.poster.url
        if metadata["topics"]:
            item["tags"] = metadata["topics"]
        if metadata["credits"]:
            item["authors"] = [
                {"name": credit["name"]} for credit in metadata["credits"]
            ]
        attachments = []
        for link in entry.files:
            rendition = link.rendition
            attachment = {
                "url": link.url,
                "mime_type": rendition.mime_type,
                "title": str(rendition.get_kind_display()),
                "size_in_bytes": rendition.size,
            }
            duration = rendition.duration or metadata["duration"]
            if duration:
                attachment["duration_in_seconds"] = round(duration, 3)
            attachments.append(attachment)
        if attachments:
            item["attachments"] = attachments
        extension.update(
            status="active",
            state=row["state"],
            kind=metadata["kind"],
            programme=metadata["programme"],
            series=metadata["series"],
            episode_number=metadata["episode_number"],
            number_in_series=metadata["number_in_series"],
            credits=metadata["credits"],
            rights=metadata["rights"],
            availability=metadata["availability"],
            subtitles=entry.subtitles,
        )
        item["_baigali"] = extension
        items.append(item)
    feed = {
        "version": JSON_FEED_VERSION,
        "title": _feed_title(partner),
        "home_page_url": _home_url(request),
        "feed_url": request.build_absolute_uri(reverse("partner_api:feed_json")),
        "description": f"百嘎丽交付给{partner.platform.name}的节目与作品",
        "language": "zh-CN",
        "authors": [{"name": "百嘎丽"}],
        "items": items,
    }
    return json.dumps(feed, ensure_ascii=False, separators=(",", ":")).encode()


def feed_response(request, partner, *, kind: str) -> HttpResponse:
    """kind: "mrss" or "json"."""
    now = timezone.now()
    rows = feed_rows(partner.platform, now=now)
    record_fetch(request, partner_id=partner.pk, kind="feed")
    etag = feed_etag(kind, partner, rows, now)
    if matches(request, etag):
        return not_modified(etag)
    entries = build_entries(request, partner, rows, now=now)
    if kind == "mrss":
        response = HttpResponse(
            render_mrss(request, partner, entries), content_type=MRSS_CONTENT_TYPE
        )
    else:
        response = HttpResponse(
            render_json_feed(request, partner, entries),
            content_type=JSON_FEED_CONTENT_TYPE,
        )
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response
