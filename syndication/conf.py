"""Syndication's settings and their defaults, in one place (see
``media_pipeline.conf``)."""

from __future__ import annotations

from media_pipeline.conf import AppSettings


def _default_rights_holder() -> str:
    from cms.core.models import DEFAULT_RIGHTS_HOLDER

    return DEFAULT_RIGHTS_HOLDER


syndication_settings = AppSettings(
    {
        # The cache alias of the partner API's pages, items and rate limits.
        "PARTNER_API_CACHE": "default",
        # Whole pages of the items listing kept (0: never).
        "PARTNER_API_PAGE_CACHE_SECONDS": 60,
        # Items' JSON kept (0: never).
        "PARTNER_API_ITEM_CACHE_SECONDS": 300,
        # Read the items stored ahead of requests while they still hold.
        "PARTNER_API_STORED_ITEMS": True,
        # Fetch records wait at most this long to be written in bulk (0: each
        # at once).
        "PARTNER_API_FETCH_FLUSH_SECONDS": 1.0,
        # Requests a key may make per window of seconds.
        "PARTNER_API_RATE_LIMIT": 600,
        "PARTNER_API_RATE_WINDOW": 60,
        # 版权方 of an item whose page names none.
        "PARTNER_API_DEFAULT_RIGHTS_HOLDER": _default_rights_holder,
        # How long a partner's download link works.
        "PARTNER_DOWNLOAD_MAX_AGE": 600,
        # Send S3 downloads through our view too (checked at every request).
        "PARTNER_DOWNLOADS_VIA_VIEW": False,
        # Items in a feed (at most 50,000, as for a sitemap).
        "PARTNER_FEED_MAX_ITEMS": 50_000,
        # Wagtail's own setting, read to write page URLs as Wagtail does.
        "WAGTAIL_APPEND_SLASH": True,
    }
)
