"""Who may fetch an asset's files: the one access rule.

- An asset is **public** while something public uses it: a live page anyone
  may view (Wagtail's view restrictions count), an approved version of a
  brand asset shown on the brand page. The media library knows neither, so
  the apps that own them register a *public use* from their
  ``AppConfig.ready()``: a function that, given asset ids, answers the ones
  it makes public. Public answers may be kept by shared caches.
- A signed-in user who may choose or change the asset (its collection's
  permissions, as for Wagtail's images) may fetch it too; such answers are
  private and never stored.
- Everyone else is told the file does not exist (404), as for an asset
  that does not exist.

Files are addressed by the asset's random ``key``, never by its id, so the
address of an asset that is not public cannot be guessed either.

Whether an asset is public is asked on every segment a player fetches, and
answering costs a few queries; so the answer (with where its files are) is
kept in the cache (``MEDIA_ACCESS_CACHE``) for
``MEDIA_ACCESS_CACHE_SECONDS``, under a *publicity version* that the apps
move (``publicity_changed``) whenever something that decides it changes: a
page published, unpublished or moved, a view restriction, a brand version
approved, the asset itself saved or a new run of it published. With a cache
shared by the web processes (Redis in production) the change is seen at
once everywhere; with a cache of each process's own, other processes see it
within those seconds.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable

from django.core.cache import caches
from django.db import transaction

from .conf import media_settings
from .models import AssetStatus, MediaAsset, TranscodeJob

VERSION_KEY = "media-access:version"

#: asset ids → the ones this use makes public.
PublicUse = Callable[[list[int]], Iterable[int]]

_public_uses: dict[str, PublicUse] = {}


class Access(enum.Enum):
    PUBLIC = "public"
    PRIVATE = "private"
    NONE = "none"


def register_public_use(name: str, finder: PublicUse) -> None:
    """Count ``finder`` among what makes assets public. ``name`` keeps a
    second registration (``ready()`` running again) from adding it twice."""
    _public_uses[name] = finder


def public_asset_ids(asset_ids: Iterable[int]) -> set[int]:
    """Those of ``asset_ids`` that something public uses now."""
    wanted = sorted(set(asset_ids))
    public: set[int] = set()
    for finder in _public_uses.values():
        remaining = [pk for pk in wanted if pk not in public]
        if not remaining:
            break
        public.update(finder(remaining))
    return public


def _cache():
    return caches[media_settings.MEDIA_ACCESS_CACHE]


def _bump() -> None:
    cache = _cache()
    cache.add(VERSION_KEY, 0, timeout=None)
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # evicted meanwhile
        cache.set(VERSION_KEY, 1, timeout=None)


def publicity_changed(**kwargs) -> None:
    """Something that decides which assets are public, or which of their
    files are served, changed: answers kept so far are not used again.
    (``**kwargs``: usable as a signal receiver.)

    Moved at once and again once the transaction commits, so that a request
    that read the old state meanwhile cannot keep it under the new version.
    """
    _bump()
    transaction.on_commit(_bump)


def public_output_prefix(key) -> str | None:
    """Where the published files of the ready asset with this ``key`` are
    stored, if the asset is public; None otherwise (not public, not ready,
    no such asset). The answer a public file request needs, kept in the
    cache under the publicity version: no query on the way of a segment."""
    seconds = media_settings.MEDIA_ACCESS_CACHE_SECONDS
    cache = _cache() if seconds > 0 else None
    cache_key = ""
    if cache is not None:
        cache_key = f"media-access:public:{cache.get(VERSION_KEY, 0)}:{key}"
        found = cache.get(cache_key)
        if found is not None:
            return found or None
    row = (
        MediaAsset.objects.filter(
            key=key, status=AssetStatus.READY, published_job__isnull=False
        )
        .values_list("pk", "published_job_id", "published_job__run_token")
        .first()
    )
    prefix = ""
    if row and public_asset_ids([row[0]]):
        prefix = TranscodeJob.prefix_for(*row)
    if cache is not None:
        cache.set(cache_key, prefix, timeout=seconds)
    return prefix or None


def asset_is_public(asset: MediaAsset) -> bool:
    return public_output_prefix(asset.key) is not None


def user_may_fetch(user, asset: MediaAsset) -> bool:
    """Whether a signed-in user may use the asset in the admin: choose it for
    a page or change it, by its collection's permissions."""
    if not getattr(user, "is_authenticated", False):
        return False
    from .permissions import permission_policy

    return permission_policy.user_has_any_permission_for_instance(
        user, ["choose", "change"], asset
    )


def asset_access(request, asset: MediaAsset) -> Access:
    """How the one asking may have the asset's files."""
    if asset_is_public(asset):
        return Access.PUBLIC
    if user_may_fetch(request.user, asset):
        return Access.PRIVATE
    return Access.NONE
