"""What a page takes from the media it plays instead of asking the editor
twice: its running time and, without a cover of its own, a picture.

The asset's duration is measured by ffprobe; a typed one only stands for
pages without media (or whose media is not measured yet). The poster is a
frame the pipeline cut from the video (the waveform for audio); its address
goes through the media file view, so the access rule decides who may see it
(public while the page using it is live and public).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet

from media_pipeline.models import MediaAsset
from media_pipeline.stills import poster, poster_url, prefetch_stills

__all__ = [
    "format_duration_zh",
    "measured_duration",
    "poster",
    "poster_url",
    "with_media_facts",
]


def measured_duration(asset: MediaAsset | None) -> timedelta | None:
    """The asset's probed duration to the second; None until it is probed."""
    if asset is None or not asset.duration:
        return None
    return timedelta(seconds=round(asset.duration))


def format_duration_zh(value: timedelta | None) -> str:
    """A duration as people read it on a programme guide: 12分05秒, 1小时02分."""
    if not value:
        return ""
    total = int(value.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}小时{minutes:02d}分"
    return f"{minutes}分{seconds:02d}秒"


def with_media_facts(pages: QuerySet, media_field: str = "media_asset") -> QuerySet:
    """``pages`` with their media and its still pictures loaded in a few
    queries, for listings that show each page's duration and picture."""
    job = f"{media_field}__published_job"
    return pages.select_related("cover", job).prefetch_related(prefetch_stills(job))
