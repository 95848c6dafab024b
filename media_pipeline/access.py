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
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable

from .models import MediaAsset

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


def asset_is_public(asset: MediaAsset) -> bool:
    return asset.pk in public_asset_ids([asset.pk])


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
