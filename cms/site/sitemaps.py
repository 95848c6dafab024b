"""``sitemap.xml``: Wagtail's sitemap of live public pages with ``lastmod``,
and a Google video sitemap entry for each page that plays a ready video.

Only live, publicly viewable pages are listed (Wagtail's ``items()``), which
is also when the media access rule lets anyone fetch their media, so every
thumbnail and content address in the sitemap answers.
"""

from __future__ import annotations

from wagtail.contrib.sitemaps import Sitemap

from cms.core.deliverables import kind_for_page
from media_pipeline.models import MediaKind
from media_pipeline.player import player_context

from .embeds import embed_url
from .seo import absolute, page_description, video_thumbnail_url

#: Google caps a video description at 2048 characters.
VIDEO_DESCRIPTION_LENGTH = 2048


def video_entry(page, request) -> dict | None:
    """The ``<video:video>`` facts of ``page``, or None without a ready video."""
    kind = kind_for_page(page)
    media = page.chosen_media() if kind is not None else None
    if media is None or media.kind != MediaKind.VIDEO:
        return None
    player = player_context(media)
    if player is None or not player["mp4"]:
        return None
    duration = page.duration_seconds
    return {
        "thumbnail_loc": video_thumbnail_url(page, request),
        "title": page.title,
        "description": page_description(page)[:VIDEO_DESCRIPTION_LENGTH],
        "content_loc": absolute(request, player["mp4"]),
        "player_loc": embed_url(page, request),
        "duration": round(duration) if duration else None,
        "publication_date": page.first_published_at,
    }


class SiteSitemap(Sitemap):
    """Wagtail's sitemap, each URL also carrying its ``video`` entry."""

    def _urls(self, page, protocol, domain):
        # Wagtail's own loop, with the page's video facts beside each URL.
        urls, last_mods = [], set()
        for item in self.paginator.page(page).object_list.iterator():
            video = video_entry(item, self.request)
            for url_info in item.get_sitemap_urls(self.request):
                urls.append({**url_info, "video": video})
                last_mods.add(url_info.get("lastmod"))
        if last_mods and None not in last_mods:
            self.latest_lastmod = max(last_mods)
        return urls
