"""What a delivery hands over: the file its profile's transcode profile made
of the asset, and the asset's subtitle tracks.

A platform's file comes out of the media pipeline's own jobs, not a second
pipeline: it is the job of the delivery profile's transcode profile over the
asset's current original. When that is the profile the asset was published
with, it is the published job; otherwise it is a further job, which running
QC starts (see ``workflow.delivery_file_request``).
"""

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


def subtitle_entry(track: SubtitleTrack, name: str = "") -> dict:
    """A subtitle track as a package's sidecar and the partner API list it."""
    entry = {
        "language": track.language,
        "label": track.label,
        "kind": track.kind,
        "format": "text/vtt",
        "cues": track.cue_count,
        "sha256": track.sha256,
        "size": track.size,
    }
    if name:
        entry["name"] = name
    return entry
