"""What a delivery hands over: the file its profile's transcode profile made
of the asset, and the asset's subtitle tracks.

A platform's file comes out of the media pipeline's own jobs, not a second
pipeline: it is the job of the delivery profile's transcode profile over the
asset's current original. When that is the profile the asset was published
with, it is the published job; otherwise it is a further job, which running
QC starts (see ``workflow.delivery_file_request``).
"""

from collections.abc import Iterable

from django.db.models import F, Q

from media_pipeline.models import (
    JobStatus,
    MediaAsset,
    Rendition,
    RenditionKind,
    SubtitleKind,
    SubtitleTrack,
    TranscodeJob,
    TranscodeProfile,
)

#: The file of an item: a video's MP4, else an audio work's M4A.
MEDIA_KINDS = (RenditionKind.MP4, RenditionKind.M4A)


def delivery_job(
    asset: MediaAsset | None, transcode_profile: TranscodeProfile
) -> TranscodeJob | None:
    """The job of ``transcode_profile`` over the asset's current original,
    whatever its state; None if it was never asked for."""
    if asset is None:
        return None
    return TranscodeJob.objects.filter(
        asset=asset, profile=transcode_profile, source_sha256=asset.sha256
    ).first()


def job_media(job: TranscodeJob | None) -> Rendition | None:
    """The deliverable file a finished job made: its MP4, or its M4A."""
    if job is None or job.status != JobStatus.SUCCEEDED:
        return None
    for kind in MEDIA_KINDS:
        rendition = job.renditions.filter(kind=kind).order_by("-height").first()
        if rendition is not None:
            return rendition
    return None


def delivery_media(
    asset: MediaAsset | None, transcode_profile: TranscodeProfile
) -> Rendition | None:
    """The file to deliver of ``asset``, as ``transcode_profile`` made it."""
    return job_media(delivery_job(asset, transcode_profile))


def delivery_job_renditions(
    keys: Iterable[tuple[int, int]], *, kinds: Iterable[str] | None = None
) -> dict[tuple[int, int], list[Rendition]]:
    """(asset id, transcode profile id) → the renditions of that finished job
    over the asset's current original, tallest first; one query for all.

    For listings (the partner API, feeds) that should offer each item's
    delivery file rather than the asset's published web renditions.
    """
    keys = set(keys)
    if not keys:
        return {}
    which = Q()
    for asset_id, profile_id in keys:
        which |= Q(job__asset_id=asset_id, job__profile_id=profile_id)
    renditions = Rendition.objects.filter(
        which,
        job__status=JobStatus.SUCCEEDED,
        job__source_sha256=F("job__asset__sha256"),
    ).select_related("job")
    if kinds is not None:
        renditions = renditions.filter(kind__in=list(kinds))
    result: dict[tuple[int, int], list[Rendition]] = {}
    for rendition in renditions.order_by("-height", "pk"):
        key = (rendition.job.asset_id, rendition.job.profile_id)
        result.setdefault(key, []).append(rendition)
    return result


def delivery_subtitles(asset: MediaAsset | None) -> list[SubtitleTrack]:
    """The asset's subtitle tracks, Chinese first."""
    if asset is None:
        return []
    return list(asset.subtitle_tracks.in_order())


def subtitle_file_name(base: str, track: SubtitleTrack) -> str:
    """``<base>.zh-Hans.vtt``, or ``<base>.zh-Hans.captions.vtt``: the
    language-suffixed names players and platforms recognise."""
    kind = "" if track.kind == SubtitleKind.SUBTITLES else f".{track.kind}"
    return f"{base}.{track.language}{kind}.vtt"
