"""Errors of the media pipeline.

Each carries ``reason``, a sentence a producer understands (Chinese, shown in
the admin and by the commands), and ``detail``, what a developer needs. A
permanent error fails a job at once; a transient one is retried with backoff.
"""


class MediaError(Exception):
    permanent = True

    def __init__(self, reason: str, *, detail: str = ""):
        super().__init__(reason)
        self.reason = str(reason)
        self.detail = detail


class PermanentMediaError(MediaError):
    permanent = True


class TransientMediaError(MediaError):
    permanent = False


class DuplicateMediaError(MediaError):
    """The same bytes are already in the library."""

    def __init__(self, reason: str, *, existing):
        super().__init__(reason)
        self.existing = existing
