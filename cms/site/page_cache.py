"""Public pages kept rendered in the cache, dropped whenever something they
show may have changed.

Only what every visitor sees alike is kept: GET and HEAD answers of 200 to
anonymous visitors, for pages anyone may view (``before_serve_page`` in
``wagtail_hooks`` marks them; restricted pages, previews and every other
view are never marked). Signed-in editors always get a fresh page (with
Wagtail's user bar), and an answer that sets a cookie is not kept.

A page shows other pages (listings, the home page's latest items, the
footer's settings, its media's player), so rather than tracking who shows
whom, every entry is keyed under one *version* that moves whenever a page is
published, unpublished, moved or deleted, a view restriction or the footer
changes, or a media job finishes (``signal_handlers``); the entries of old
versions are never read again and expire. ``PUBLIC_PAGE_CACHE_SECONDS`` (0,
the default outside production, turns the cache off) bounds what a missed
change could leave.

Answers carry an ``ETag`` and ``Cache-Control: public, no-cache``: browsers
and shared caches may keep them but ask each time, and get a 304 while the
page is unchanged, so a publish is seen on the very next request.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    set_response_etag,
)

VERSION_KEY = "public-pages:version"
#: Set on the request by the ``before_serve_page`` hook for pages anyone may view.
CACHEABLE_ATTR = "public_page_cacheable"
#: Tells whoever looks (tests, operators) where the answer came from.
STATUS_HEADER = "X-Page-Cache"


def cache_seconds() -> int:
    return int(getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 0) or 0)


def version() -> int:
    cache.add(VERSION_KEY, 0, timeout=None)
    return cache.get(VERSION_KEY, 0)


def _bump() -> None:
    cache.add(VERSION_KEY, 0, timeout=None)
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # evicted meanwhile
        cache.set(VERSION_KEY, 1, timeout=None)


def public_pages_changed(**kwargs) -> None:
    """Drop every kept page; usable as a signal receiver. Moved at once and
    again on commit, so a page rendered from the old state meanwhile is not
    kept under the new version."""
    _bump()
    transaction.on_commit(_bump)


def request_key(request) -> str:
    address = f"{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"public-pages:{version()}:{digest}"


def request_is_cacheable(request) -> bool:
    return (
        cache_seconds() > 0
        and request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
    )


class PublicPageCacheMiddleware:
    """Serves kept public pages; keeps the ones the page hook marked."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request_is_cacheable(request):
            return self.get_response(request)
        key = request_key(request)
        response = cache.get(key)
        if response is not None:
            response[STATUS_HEADER] = "hit"
        else:
            response = self.get_response(request)
            if not self._keepable(request, response):
                return response
            set_response_etag(response)
            patch_cache_control(response, public=True, no_cache=True)
            cache.set(key, response, cache_seconds())
            response[STATUS_HEADER] = "miss"
        return (
            get_conditional_response(
                request, etag=response.get("ETag"), response=response
            )
            or response
        )

    @staticmethod
    def _keepable(request, response) -> bool:
        if not getattr(request, CACHEABLE_ATTR, False):
            return False
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        return True
