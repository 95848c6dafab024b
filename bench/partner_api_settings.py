"""Settings of the partner API benchmark's web server.

The development settings (the bench's own SQLite database and folders come
from the environment, see ``environment.py``) with what a deployment would
change: DEBUG off (no query log), and the bench URLconf, which adds the bare
view. The partner API keeps its own cache alias so that the bench can empty
it without emptying Wagtail's (site roots and the like). The rate limit stays
on, counted as usual, with a budget the bench never reaches.
``BENCH_PAGE_CACHE=0`` turns the partner API's page cache off,
``BENCH_STORED_ITEMS=0`` its reading of stored items.
"""

import os

from cms.settings.dev import *  # noqa: F403
from cms.settings.dev import MIDDLEWARE

DEBUG = False
ROOT_URLCONF = "bench.partner_api_urls"
MIDDLEWARE = ["bench.partner_api_urls.cold_cache_middleware", *MIDDLEWARE]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "partner-api": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "partner-api",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}
PARTNER_API_CACHE = "partner-api"
PARTNER_API_RATE_LIMIT = 1_000_000_000
# The second phase turns the page cache off: every page is made.
if os.environ.get("BENCH_PAGE_CACHE") == "0":
    PARTNER_API_PAGE_CACHE_SECONDS = 0
# The third phase reads no stored items: every item is built.
PARTNER_API_STORED_ITEMS = os.environ.get("BENCH_STORED_ITEMS") != "0"
