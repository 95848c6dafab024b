"""The test suite: fast hashing, a file-based SQLite database so that a real
Celery worker process can share it, and everything else as in base."""

import os
from pathlib import Path

# Each test run keeps its database, media and broker folders apart, under
# var/test/<pid>: apart from the developer's, and from another run going on at
# the same time. Set before base reads the environment; the worker processes a
# run starts inherit it.
os.environ.setdefault(
    "VAR_DIR",
    str(Path(__file__).resolve().parents[2] / "var" / "test" / str(os.getpid())),
)

from .base import *  # noqa: E402, F403
from .base import DATABASES, VAR_DIR, env  # noqa: E402

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="test-only-insecure-key")
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # An in-memory database cannot be seen by a worker in another process.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}

# A Celery worker started by the tests is pointed at the test database, which
# pytest-django creates under a name of its own.
if env("CMS_TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["NAME"] = env("CMS_TEST_DATABASE_NAME")

# The suite keeps its cache in each process's memory whatever CACHE_URL or
# REDIS_URL say, so that runs never share entries. A test that needs a shared
# cache (two server processes counting one rate limit) hands the processes it
# starts CMS_TEST_CACHE_URL.
if env("CMS_TEST_CACHE_URL", default=""):
    CACHES = {"default": env.cache_url_config(env("CMS_TEST_CACHE_URL"))}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
