"""Routers other apps add to the partner API.

The partner API belongs to syndication, but an app above it (brand_assets)
serves partners too. Such an app registers its router here from its
``AppConfig.ready()``; the API mounts every registered router when its URLs
are first loaded, which Django does only after every app is ready. So
syndication never imports the apps that extend its API.
"""

from __future__ import annotations

from ninja import Router

_routers: dict[str, Router] = {}


def register_partner_router(prefix: str, router: Router) -> None:
    """Mount ``router`` at ``prefix`` (e.g. ``"/brand-assets"``) of the
    partner API. Registering the same prefix again replaces nothing: the
    first router stays, as ``ready()`` may run more than once in tests."""
    _routers.setdefault(prefix, router)


def partner_routers() -> dict[str, Router]:
    """Prefix → router, in the order they were registered."""
    return dict(_routers)
