"""Embeds for partners and WeChat articles: which pages may be embedded,
the ``<iframe>`` that embeds them, and their oEmbed answer.

A page is embeddable only while anyone may watch it on the site: live, with
no view restriction on it or its ancestors, and playing ready media. Drafts,
unpublished and restricted pages answer 404 like a page that does not exist,
and nothing of their media is given away.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from wagtail.models import Page, Site

from cms.core.deliverables import kind_for_page
from media_pipeline.models import MediaKind
from media_pipeline.player import player_context

from .seo import BRAND, absolute

#: The frame's size when the consumer asks for none: 16:9 video, a strip
#: for audio (the waveform picture and the controls).
VIDEO_SIZE = (640, 360)
AUDIO_SIZE = (640, 200)
MIN_WIDTH = 200


def embeddable(page: Page | None):
    """The specific page if anyone may embed it, else None."""
    if page is None or not page.live:
        return None
    page = page.specific
    if kind_for_page(page) is None:
        return None
    if page.get_view_restrictions().exists():
        return None
    if player_context(page.chosen_media()) is None:
        return None
    return page


def embeddable_or_404(page_id: int):
    page = embeddable(Page.objects.filter(pk=page_id).first())
    if page is None:
        raise Http404("没有可嵌入的节目")
    return page


def page_from_url(url: str, request) -> Page | None:
    """The page at ``url`` on one of our sites (Wagtail's routing), or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    # Our own addresses: a site's hostname, or the host this request came to.
    site = Site.objects.filter(hostname=parts.hostname).select_related("root_page")
    site = site.first()
    if site is None and parts.hostname == request.get_host().split(":")[0]:
        site = Site.find_for_request(request)
    if site is None:
        return None
    components = [c for c in parts.path.split("/") if c]
    if components[:1] == ["embed"] and len(components) == 2 and components[1].isdigit():
        return Page.objects.filter(pk=int(components[1])).first()
    try:
        return site.root_page.specific.route(request, components).page
    except Http404:
        return None


def frame_size(page, max_width: int | None = None, max_height: int | None = None):
    """The frame's width and height: the media's shape (a vertical short
    video stands up), within ``max_width`` and ``max_height`` if given."""
    media = page.chosen_media()
    if media.kind != MediaKind.VIDEO:
        width, height = AUDIO_SIZE
    elif media.width and media.height and media.height > media.width:
        height, width = VIDEO_SIZE
    else:
        width, height = VIDEO_SIZE
    ratio = height / width
    if max_width and max_width < width:
        width = max(max_width, MIN_WIDTH)
        height = round(width * ratio)
    if max_height and max_height < height:
        height, width = max_height, round(max_height / ratio)
    return width, height


def embed_url(page, request) -> str:
    return absolute(request, reverse("site:embed", args=[page.pk]))


def iframe_html(page, request, width: int, height: int) -> str:
    return format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" frameborder="0" '
        'allow="fullscreen; picture-in-picture" allowfullscreen></iframe>',
        embed_url(page, request),
        width,
        height,
        f"{page.title} · {BRAND}",
    )


def oembed_data(page, request, max_width=None, max_height=None) -> dict:
    """The oEmbed 1.0 answer (https://oembed.com/, section 2.3.4)."""
    width, height = frame_size(page, max_width, max_height)
    is_video = page.chosen_media().kind == MediaKind.VIDEO
    return {
        "version": "1.0",
        "type": "video" if is_video else "rich",
        "title": page.title,
        "author_name": page.rights_holder or page.producing_unit or BRAND,
        "provider_name": BRAND,
        "provider_url": absolute(request, "/"),
        "cache_age": 3600,
        "html": iframe_html(page, request, width, height),
        "width": width,
        "height": height,
    }


def oembed_discovery_url(page, request) -> str:
    query = urlencode({"url": page.get_full_url(request), "format": "json"})
    return absolute(request, f"{reverse('site:oembed')}?{query}")
