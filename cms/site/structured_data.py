"""schema.org JSON-LD for the public pages, built in one place.

Each page type maps to the schema.org types search engines read for it:

- an episode is a ``TVEpisode`` or ``RadioEpisode`` (by its channel) in its
  ``TVSeries``/``RadioSeries``, with a ``VideoObject`` when it plays a video;
- a short video is a ``VideoObject`` in its ``CreativeWorkSeries``;
- a music work is a ``MusicComposition`` with its writers, and with media a
  ``MusicRecording`` of it by its performers;
- a programme is a ``TVSeries``/``RadioSeries``;
- every page carries the association as the ``Organization`` that
  publishes it.

The templates only print ``page_graph()``; they hold no schema logic.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe

from cms.core.deliverables import kind_for_page
from cms.core.models import DEFAULT_RIGHTS_HOLDER
from media_pipeline.models import MediaKind
from media_pipeline.player import player_context

from .embeds import embed_url
from .models import FooterSettings
from .seo import (
    BRAND,
    absolute,
    page_description,
    share_image_url,
    video_thumbnail_url,
)

CONTEXT = "https://schema.org"
#: Credit roles (the ``role`` values of the credit models) as schema.org
#: properties; roles without one are ``contributor``.
ROLE_PROPERTIES = {
    "host": "actor",
    "guest_host": "actor",
    "presenter": "actor",
    "director": "director",
    "producer": "producer",
    "composer": "composer",
    "lyricist": "lyricist",
}
#: Music roles that perform a recording rather than write the work.
PERFORMING_ROLES = {"singer", "performer", "reciter"}


def iso_duration(value: timedelta | float | None) -> str | None:
    """ISO 8601 duration: 0:12:05 → ``PT12M5S``."""
    if value is None:
        return None
    seconds = round(value.total_seconds() if isinstance(value, timedelta) else value)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = "".join(
        f"{amount}{unit}"
        for amount, unit in ((hours, "H"), (minutes, "M"), (seconds, "S"))
        if amount
    )
    return f"PT{parts or '0S'}"


def organization(request) -> dict:
    """The association that runs the brand and publishes every page, with
    the contact details editors keep for the footer."""
    footer = FooterSettings.for_request(request) if request is not None else None
    return {
        "@type": "Organization",
        "@id": absolute(request, "/#organization"),
        "name": footer.host_organisation if footer else DEFAULT_RIGHTS_HOLDER,
        "url": absolute(request, "/"),
        "logo": absolute(request, static("img/share-default.png")),
        "brand": {"@type": "Brand", "name": BRAND},
        "address": footer.address if footer else None,
        "telephone": footer.telephone if footer else None,
        "email": footer.email if footer else None,
    }


def person(credit) -> dict:
    return {"@type": "Person", "name": credit.person.name}


def credit_properties(credits, *, skip_roles=()) -> dict:
    """Credits grouped under their schema.org property."""
    grouped: dict[str, list] = {}
    for credit in credits:
        if credit.role in skip_roles:
            continue
        prop = ROLE_PROPERTIES.get(credit.role, "contributor")
        grouped.setdefault(prop, []).append(person(credit))
    return grouped


def media_object(page, request) -> dict | None:
    """The ``VideoObject`` or ``AudioObject`` of the page's ready media."""
    media = page.chosen_media()
    player = player_context(media)
    if player is None:
        return None
    is_video = media.kind == MediaKind.VIDEO
    data = {
        "@type": "VideoObject" if is_video else "AudioObject",
        "name": page.title,
        "description": page_description(page),
        "thumbnailUrl": video_thumbnail_url(page, request),
        "uploadDate": (page.first_published_at or media.created_at).isoformat(),
        "duration": iso_duration(page.running_time),
        "contentUrl": absolute(request, player["mp4"]),
        "embedUrl": embed_url(page, request),
        "publisher": {"@id": absolute(request, "/#organization")},
    }
    return {key: value for key, value in data.items() if value}


def series_type(programme) -> str:
    media = programme.medium_labels if programme is not None else []
    return "RadioSeries" if media == ["广播"] else "TVSeries"


def episode_node(page, request) -> dict:
    channel = page.channel
    is_radio = channel is not None and channel.medium == "radio"
    programme = page.programme
    data = {
        "@type": "RadioEpisode" if is_radio else "TVEpisode",
        "name": page.title,
        "url": page.get_full_url(request),
        "description": page_description(page),
        "episodeNumber": page.episode_number,
        "image": share_image_url(page, request),
        "datePublished": page.air_at.isoformat() if page.air_at else None,
        "timeRequired": iso_duration(page.running_time),
        "copyrightHolder": page.rights_holder or None,
        **credit_properties(page.get_credits()),
    }
    if programme is not None:
        data["partOfSeries"] = {
            "@type": "RadioSeries" if is_radio else series_type(programme),
            "name": programme.title,
            "url": programme.get_full_url(request),
        }
    media = media_object(page, request)
    if media is not None:
        data["video" if media["@type"] == "VideoObject" else "audio"] = media
    return data


def short_video_node(page, request) -> dict:
    data = media_object(page, request) or {
        # Without ready media it is still a video work of the series.
        "@type": "VideoObject",
        "name": page.title,
        "description": page_description(page),
        "thumbnailUrl": share_image_url(page, request),
    }
    data["url"] = page.get_full_url(request)
    if page.release_date:
        data["datePublished"] = page.release_date.isoformat()
    if page.rights_holder:
        data["copyrightHolder"] = page.rights_holder
    data.update(credit_properties(page.get_credits()))
    series = page.series
    if series is not None:
        data["isPartOf"] = {
            "@type": "CreativeWorkSeries",
            "name": series.title,
            "url": series.get_full_url(request),
        }
    return data


def music_nodes(page, request) -> list[dict]:
    credits = page.get_credits()
    composition = {
        "@type": "MusicComposition",
        "@id": page.get_full_url(request) + "#composition",
        "name": page.title,
        "url": page.get_full_url(request),
        "description": page_description(page),
        "genre": str(page.get_form_display()),
        "dateCreated": str(page.year) if page.year else None,
        "iswcCode": page.iswc or None,
        "copyrightHolder": page.rights_holder or None,
        **credit_properties(credits, skip_roles=PERFORMING_ROLES),
    }
    if page.lyrics:
        composition["lyrics"] = {"@type": "CreativeWork", "text": page.lyrics}
    nodes = [composition]
    media = media_object(page, request)
    if media is not None:
        performers = [person(c) for c in credits if c.role in PERFORMING_ROLES]
        recording = {
            "@type": "MusicRecording",
            "name": page.title,
            "url": page.get_full_url(request),
            "duration": media.get("duration"),
            "isrcCode": page.isrc or None,
            "recordingOf": {"@id": composition["@id"]},
            "byArtist": performers or None,
            "video" if media["@type"] == "VideoObject" else "audio": media,
        }
        nodes.append(recording)
    return nodes


def programme_node(page, request) -> dict:
    return {
        "@type": series_type(page),
        "name": page.title,
        "url": page.get_full_url(request),
        "description": page_description(page),
        "image": share_image_url(page, request),
        **credit_properties(page.get_credits()),
    }


def _clean(value):
    """Without empty values, which validators flag as errors."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v not in (None, "", [])}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def page_nodes(page, request) -> list[dict]:
    """The schema.org nodes describing ``page`` (specific), besides the
    organisation; [] for pages that are only lists of others."""
    kind = kind_for_page(page)
    name = kind.name if kind is not None else None
    if name == "episode":
        return [episode_node(page, request)]
    if name == "short_video":
        return [short_video_node(page, request)]
    if name == "music_work":
        return music_nodes(page, request)
    if page._meta.label == "programmes.ProgramPage":
        return [programme_node(page, request)]
    return []


def page_graph(page, request) -> dict:
    nodes = [organization(request), *page_nodes(page, request)]
    return _clean({"@context": CONTEXT, "@graph": nodes})


# The characters that could end or confuse a <script> element, escaped as
# Django's json_script filter escapes them.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld_script(data: dict) -> SafeString:
    text = json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')
