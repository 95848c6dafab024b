"""The test suite: fast hashing, a file-based SQLite database so that a real
Celery worker process can share it, and everything else as in base."""

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="test-only-insecure-key")
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # An in-memory database cannot be seen by a worker in another process.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
