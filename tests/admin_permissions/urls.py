"""The admin URLs of the media library, syndication, the brand library, the
screens, the broadcast schedules and the catalogue import,
found in the URL configuration itself: a view added to these apps is in the
matrix without anyone listing it."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

APPS = (
    "media_pipeline",
    "syndication",
    "brand_assets",
    "screens",
    "cms.schedules",
    "cms.catalogue",
)
ADMIN_PREFIX = "admin/"


@dataclass(frozen=True)
class AdminURL:
    name: str  # namespaced, e.g. "media:edit"
    route: str  # e.g. "admin/media/edit/<int:pk>/"
    params: tuple[str, ...]

    def __str__(self):
        return self.name


def _app_of(callback) -> str | None:
    """The app a view belongs to: its own module, or the model a Wagtail
    generic view was built for."""
    modules = [getattr(callback, "__module__", "")]
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        modules.append(view_class.__module__)
    initkwargs = getattr(callback, "view_initkwargs", None) or {}
    model = initkwargs.get("model")
    if isinstance(model, str):
        # "app_label.Model": the label ("schedules") is not the module path
        # ("cms.schedules"), so ask the registry for the model's module.
        model = apps.get_model(model)
    if model is not None:
        modules.append(model.__module__)
    for module in modules:
        for app in APPS:
            if module == app or module.startswith(app + "."):
                return app
    return None


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = (
                    f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                )
            yield from _walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            yield entry, route, namespace


def admin_urls() -> list[AdminURL]:
    found = {}
    for entry, route, namespace in _walk(get_resolver().url_patterns):
        if not route.startswith(ADMIN_PREFIX) or _app_of(entry.callback) is None:
            continue
        name = f"{namespace}:{entry.name}" if namespace else entry.name
        assert entry.name, f"{route} has no name: the matrix cannot key it"
        converters = getattr(entry.pattern, "converters", {})
        found[name] = AdminURL(name=name, route=route, params=tuple(converters))
    return sorted(found.values(), key=lambda url: url.name)
