"""Settings of the load benchmark's web server: production's
(``cms.settings.production``: DEBUG off, the public page cache on for
``PUBLIC_PAGE_CACHE_SECONDS``, WhiteNoise with compressed, fingerprinted
static files), on the bench's own database and folders (``environment.py``)
and the cache ``CACHE_URL`` names (Redis, shared by the server's workers and
the process that publishes), plus the bench URLconf with the bare page.

The bench sends ``X-Forwarded-Proto: https``, as the TLS proxy in front of a
deployment would; only its readiness probe is exempt from the redirect.
"""

import os

from cms.settings.production import *  # noqa: F403
from cms.settings.production import CACHES

ROOT_URLCONF = "bench.load_urls"
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
SECURE_REDIRECT_EXEMPT = [r"^bench/ready$"]
# One run's keys apart from anything else kept in the same Redis.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("BENCH_CACHE_PREFIX", "")
