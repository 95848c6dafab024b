"""The media pipeline's settings and their defaults, in one place.

Every optional setting an app reads is declared once, in its ``conf.py``,
with its default; code reads ``media_settings.MEDIA_UPLOAD_MAX_BYTES`` and
never ``getattr(settings, ...)``. Values are looked up in Django's settings
at each read, so ``override_settings`` and the test ``settings`` fixture
work. ``AppSettings`` is the small reader every app's ``conf.py`` uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings


class AppSettings:
    """Attribute access to the settings named in ``defaults``: the project's
    value when it sets one, else the default (a callable default is called,
    for defaults that depend on other settings)."""

    def __init__(self, defaults: Mapping[str, Any]):
        self._defaults = dict(defaults)

    def __getattr__(self, name: str):
        try:
            default = self._defaults[name]
        except KeyError:
            raise AttributeError(f"{name} is not declared in this conf") from None
        if hasattr(settings, name):
            return getattr(settings, name)
        return default() if callable(default) else default


def _staging_dir() -> Path:
    return Path(settings.VAR_DIR) / "uploads"


media_settings = AppSettings(
    {
        # tus uploads: where chunks are staged, the largest upload, and how
        # long an unfinished one is kept.
        "MEDIA_UPLOAD_STAGING_DIR": _staging_dir,
        "MEDIA_UPLOAD_MAX_BYTES": 20 * 1024**3,
        "MEDIA_UPLOAD_EXPIRE_SECONDS": 24 * 3600,
        # What all of one user's unfinished uploads may add up to, and the
        # free space the staging disk keeps after every upload is complete:
        # declared lengths are reserved when an upload is created, so many
        # open uploads cannot together fill the disk.
        "MEDIA_UPLOAD_USER_QUOTA_BYTES": 50 * 1024**3,
        "MEDIA_UPLOAD_MIN_FREE_BYTES": 2 * 1024**3,
        # The largest subtitle file accepted.
        "MEDIA_SUBTITLE_MAX_BYTES": 2 * 1024 * 1024,
        # Limits checked on what the decoder reports, not what a header claims.
        "MEDIA_MIN_DURATION_SECONDS": 0.5,
        "MEDIA_MAX_DURATION_SECONDS": 4 * 3600,
        "MEDIA_MAX_WIDTH": 7680,
        "MEDIA_MAX_HEIGHT": 7680,
        # The most pixels one decoded picture may have (8K UHD). ffmpeg's
        # decoder enforces it on every frame (-max_pixels), so a stream whose
        # later pictures grow past what its first ones showed is refused.
        "MEDIA_MAX_PIXELS": 7680 * 4320,
        # How far decoding may run past the duration the container declares
        # (whichever is larger: these seconds or this share of it) before
        # the file is taken to be lying and refused.
        "MEDIA_DURATION_MARGIN_SECONDS": 5.0,
        "MEDIA_DURATION_MARGIN_RATIO": 0.02,
        # The address space one ffmpeg or ffprobe process may use (RLIMIT_AS).
        # The whole ladder from a 1080p source peaks near 1.3 GB of address
        # space here; an 8K source on a many-core worker needs several times
        # that. Lower it on small workers.
        "MEDIA_FFMPEG_MEMORY_BYTES": 8 * 1024**3,
        # A transcode may take this many times the media's duration (at least
        # ten minutes) before it is stopped.
        "MEDIA_TRANSCODE_TIMEOUT_FACTOR": 20,
        # Where and how long the answer "is this asset public?" is kept (see
        # media_pipeline.access); 0 asks the database every time.
        "MEDIA_ACCESS_CACHE": "default",
        "MEDIA_ACCESS_CACHE_SECONDS": 60,
        # A source longer than this many seconds is transcoded in chunks,
        # one Celery task each, so many workers share one long programme;
        # shorter sources keep the single pass. Chunks are this many seconds
        # long, rounded to whole HLS segments (at least one).
        "MEDIA_CHUNK_MIN_SECONDS": 600,
        "MEDIA_CHUNK_SECONDS": 60,
        # A part of a chunked transcode whose storing fails on a storage
        # error (an S3 outage) stores its files again after each of these
        # pauses, in seconds, before the part is given up and made again.
        "MEDIA_STORE_RETRY_DELAYS": (2, 4, 8, 16, 30),
        # S3 is used when a bucket is named (see cms.settings.base).
        "S3_BUCKET": "",
    }
)
