"""URLs of the partner API, included at /api/partner/v1/ by cms/urls.py.

Every view is wrapped so that a request counted against a key's rate limit
gets the X-RateLimit-* headers, whatever its answer (304, 404, 409 included).
"""

from functools import wraps

from django.urls import URLPattern

from ..partner_routers import partner_routers
from .api import api

# Routers of the apps above syndication (brand_assets), registered from their
# AppConfig.ready(), which has run for every app before URLs are loaded.
for prefix, router in partner_routers().items():
    api.add_router(prefix, router)


def with_rate_limit_headers(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        state = getattr(request, "partner_rate", None)
        if state is not None:
            for header, value in state.headers().items():
                response[header] = value
        return response

    return wrapped


def _wrap(pattern):
    if isinstance(pattern, URLPattern):
        return URLPattern(
            pattern.pattern,
            with_rate_limit_headers(pattern.callback),
            pattern.default_args,
            pattern.name,
        )
    return pattern


_patterns, _app, namespace = api.urls
app_name = namespace
urlpatterns = [_wrap(pattern) for pattern in _patterns]
