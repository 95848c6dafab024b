"""The bench server's URLs: the project's, plus the bare view to compare with.

``/bench/static/<name>`` sends a stored file with a bare ``FileResponse``.
``/bench/bare`` answers a ``JsonResponse`` of the data in the file named by
``BENCH_BARE_PAYLOAD`` (a real page of the items listing, saved by the
bench), serialised again on every request: the cheapest Django view that
answers the same bytes. ``/bench/ready`` tells the bench the server is up.
"""

import json
import os
from functools import cache

from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, JsonResponse
from django.urls import path

from cms.urls import urlpatterns as project_urlpatterns
from syndication.items import ITEM_JSON_CACHE
from syndication.page_cache import PROCESS_PAGES


@cache
def _payload():
    with open(os.environ["BENCH_BARE_PAYLOAD"], encoding="utf-8") as source:
        return json.load(source)


def bare(request):
    return JsonResponse(
        _payload(),
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )


def ready(request):
    return HttpResponse("ok")


def static_file(request, name: str):
    """A stored file as the cheapest Django view sends it: no access rule,
    no headers of ours; what a public segment through /media-files/ is
    compared with."""
    return FileResponse(default_storage.open(name, "rb"), content_type="video/mp4")


def cold_cache_middleware(get_response):
    """Empty the partner API's caches (its Django cache, and the items and
    pages kept in this process) before a request marked ``X-Bench-Cold``,
    so that it is answered as if for the first time."""
    alias = getattr(settings, "PARTNER_API_CACHE", "default")

    def middleware(request):
        if "HTTP_X_BENCH_COLD" in request.META:
            caches[alias].clear()
            ITEM_JSON_CACHE.clear()
            PROCESS_PAGES.clear()
        return get_response(request)

    return middleware


urlpatterns = [
    path("bench/bare", bare),
    path("bench/ready", ready),
    path("bench/static/<path:name>", static_file),
    *project_urlpatterns,
]
