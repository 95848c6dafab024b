"""Services for media assets: storing originals."""

import logging
from pathlib import Path

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from wagtail.models import Collection

from ..errors import DuplicateMediaError
from ..hashing import sha256_of_file
from ..models import AssetStatus, MediaAsset

logger = logging.getLogger(__name__)


def asset_create_from_upload(
    *,
    staged_path: Path,
    filename: str,
    title: str = "",
    collection: Collection | None = None,
    uploaded_by=None,
    start_processing: bool = True,
) -> MediaAsset:
    """Store a fully received file as a new asset's untouched original.

    The bytes are stored under their SHA-256, so a file already in the library
    raises DuplicateMediaError carrying the existing asset instead of being
    stored twice. Processing is queued once the transaction commits.
    """
    staged_path = Path(staged_path)
    sha256 = sha256_of_file(staged_path)
    existing = MediaAsset.objects.filter(sha256=sha256).first()
    if existing:
        raise DuplicateMediaError(
            _("媒体库中已有相同的文件：“%(title)s”（编号 %(id)s）。")
            % {"title": existing.title, "id": existing.pk},
            existing=existing,
        )
    safe_name = Path(filename).name or "upload.bin"
    asset = MediaAsset(
        title=title or Path(safe_name).stem,
        original_filename=safe_name,
        sha256=sha256,
        size=staged_path.stat().st_size,
        collection=collection or Collection.get_first_root_node(),
        uploaded_by=uploaded_by,
        status=AssetStatus.UPLOADED,
    )
    with open(staged_path, "rb") as stream:
        asset.original.save(safe_name, File(stream), save=False)
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError:
        # Another upload of the same bytes won the race; keep theirs.
        asset.original.storage.delete(asset.original.name)
        existing = MediaAsset.objects.get(sha256=sha256)
        raise DuplicateMediaError(
            _("媒体库中已有相同的文件：“%(title)s”（编号 %(id)s）。")
            % {"title": existing.title, "id": existing.pk},
            existing=existing,
        ) from None
    if start_processing:
        from .jobs import job_request

        transaction.on_commit(lambda: job_request(asset=asset))
    logger.info("Stored original of asset %s (%s bytes)", asset.pk, asset.size)
    return asset


def staged_file_remove(path: Path) -> None:
    Path(path).unlink(missing_ok=True)


def asset_record_probe(*, asset: MediaAsset, result, kind: str) -> None:
    """Keep what probing found on the asset: shown in the admin and media_info."""
    video, audio = result.video, result.audio
    width, height = result.display_size or (None, None)
    fields = {
        "kind": kind,
        "container": result.format_name[:50],
        "duration": result.duration,
        "width": width,
        "height": height,
        "frame_rate": video.frame_rate if video else None,
        "video_codec": video.codec_name if video else "",
        "audio_codec": audio.codec_name if audio else "",
        "probe": result.raw,
    }
    MediaAsset.objects.filter(pk=asset.pk).update(**fields)
    for name, value in fields.items():
        setattr(asset, name, value)


def asset_record_duration(*, asset: MediaAsset, duration: float) -> None:
    """Keep the duration the transcode actually decoded, which replaces the
    one the container's header claimed."""
    asset.duration = round(duration, 3)
    MediaAsset.objects.filter(pk=asset.pk).update(duration=asset.duration)


def asset_record_loudness(*, asset: MediaAsset, measurement) -> None:
    """Store the original's measured loudness; None values for silence."""
    if measurement is None or measurement.is_silent:
        values = (None, None, None)
    else:
        values = (
            measurement.integrated,
            measurement.loudness_range,
            measurement.true_peak,
        )
    fields = dict(
        zip(
            ("loudness_integrated", "loudness_range", "loudness_true_peak"),
            values,
            strict=True,
        )
    )
    MediaAsset.objects.filter(pk=asset.pk).update(**fields)
    for name, value in fields.items():
        setattr(asset, name, value)
