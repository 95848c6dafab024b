"""Writes to the screens' data: views, commands and tasks call these."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from media_pipeline.errors import MediaError
from media_pipeline.hashing import sha256_of_file
from media_pipeline.models import SubtitleTrack
from media_pipeline.storage import copy_to_local, storage_errors_are_transient

from .models import (
    ItemKind,
    Playlist,
    PlaylistItem,
    RenditionStatus,
    ScreenRendition,
    ScreenSize,
)
from .rendering import Frame, film_render, slide_render

logger = logging.getLogger(__name__)


def frame_of(size: ScreenSize) -> Frame:
    return Frame(
        width=size.width,
        height=size.height,
        fit=size.fit,
        frame_rate=size.frame_rate,
        has_sound=size.has_sound,
    )


def subtitle_track_for(item: PlaylistItem, size: ScreenSize) -> SubtitleTrack | None:
    """The track burned into a silent screen's film: Chinese first."""
    if item.kind != ItemKind.FILM or size.has_sound:
        return None
    return SubtitleTrack.objects.filter(asset=item.media_asset_id).in_order().first()


def _slide_file(item: PlaylistItem):
    if item.brand_variant_id:
        variant = item.brand_variant
        return variant.file if variant.file else variant.image.file
    return item.image.file


def _source_identity(item: PlaylistItem) -> str:
    if item.media_asset_id:
        return f"asset:{item.media_asset.sha256}"
    if item.brand_variant_id:
        return f"brand:{item.brand_variant.sha256 or item.brand_variant.file.name}"
    image = item.image
    return f"image:{image.file_hash or image.file.name}"


def rendition_source_key(item: PlaylistItem, size: ScreenSize) -> str:
    """Everything the file is made from: the same key, the same file."""
    track = subtitle_track_for(item, size)
    parts = [
        _source_identity(item),
        f"{size.width}x{size.height}",
        size.fit,
        str(size.frame_rate),
        "sound" if size.has_sound else "silent",
        track.sha256 if track else "",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


@transaction.atomic
def playlist_renditions_request(
    *, playlist: Playlist, dispatch: bool = True
) -> list[ScreenRendition]:
    """Ask for every item's file at every size of the playlist's network.
    Files already made from the same source and settings are kept; the
    others go to the ``transcode`` queue once the transaction commits
    (without ``dispatch``, the caller runs ``rendition_make`` itself)."""
    items = list(playlist.items.select_related("media_asset", "brand_variant", "image"))
    sizes = list(playlist.network.sizes.all())
    renditions = []
    for item in items:
        for size in sizes:
            key = rendition_source_key(item, size)
            rendition, created = (
                ScreenRendition.objects.select_for_update().get_or_create(
                    item=item, size=size, defaults={"source_key": key}
                )
            )
            fresh = (
                not created
                and rendition.source_key == key
                and rendition.status in (RenditionStatus.READY, RenditionStatus.RUNNING)
            )
            if not fresh:
                rendition.source_key = key
                rendition.status = RenditionStatus.PENDING
                rendition.failure_reason = ""
                rendition.save(update_fields=["source_key", "status", "failure_reason"])
                if dispatch:
                    _dispatch(rendition)
            renditions.append(rendition)
    # Sizes and items no longer in the playlist keep no files.
    ScreenRendition.objects.filter(item__playlist=playlist).exclude(
        pk__in=[r.pk for r in renditions]
    ).delete()
    return renditions


def _dispatch(rendition: ScreenRendition) -> None:
    from .tasks import screen_rendition_make

    transaction.on_commit(
        lambda: screen_rendition_make.apply_async(
            args=(rendition.pk,), queue="transcode"
        )
    )


def _claim(rendition_id: int) -> ScreenRendition | None:
    claimed = ScreenRendition.objects.filter(
        pk=rendition_id, status__in=(RenditionStatus.PENDING, RenditionStatus.RUNNING)
    ).update(status=RenditionStatus.RUNNING)
    if not claimed:
        return None
    return ScreenRendition.objects.select_related(
        "size", "item__media_asset", "item__brand_variant", "item__image"
    ).get(pk=rendition_id)


def rendition_make(*, rendition_id: int) -> str:
    """Make one screen rendition now (the task's body). A permanent media
    error fails it with the reason in Chinese; a transient one (storage
    down) is raised for the task to retry."""
    rendition = _claim(rendition_id)
    if rendition is None:
        return "skipped"
    item, size = rendition.item, rendition.size
    key = rendition.source_key
    try:
        with tempfile.TemporaryDirectory(prefix=f"screen-{rendition.pk}-") as folder:
            work = Path(folder)
            made = _render(item, size, work)
            digest = sha256_of_file(made.path)
            rendition.refresh_from_db(fields=["source_key", "status"])
            if rendition.source_key != key:
                return "superseded"
            old_name = rendition.file.name
            with storage_errors_are_transient(), open(made.path, "rb") as stream:
                rendition.file.save(made.path.name, File(stream), save=False)
            rendition.bytes = made.path.stat().st_size
    except MediaError as error:
        if not error.permanent:
            ScreenRendition.objects.filter(pk=rendition.pk).update(
                status=RenditionStatus.PENDING
            )
            raise
        logger.warning("Screen rendition %s failed: %s", rendition.pk, error.detail)
        ScreenRendition.objects.filter(pk=rendition.pk, source_key=key).update(
            status=RenditionStatus.FAILED, failure_reason=error.reason
        )
        return "failed"
    rendition.sha256 = digest
    rendition.width, rendition.height = made.width, made.height
    rendition.duration = (
        made.duration if made.duration is not None else float(item.slide_seconds)
    )
    rendition.has_audio = made.has_audio
    rendition.burned_subtitles = made.burned_subtitles
    rendition.status = RenditionStatus.READY
    rendition.failure_reason = ""
    rendition.made_at = timezone.now()
    rendition.save()
    if old_name and old_name != rendition.file.name:
        rendition.file.storage.delete(old_name)
    return "ready"


def _render(item: PlaylistItem, size: ScreenSize, work: Path):
    frame = frame_of(size)
    if item.kind == ItemKind.FILM:
        asset = item.media_asset
        source = work / ("source" + Path(asset.original_filename).suffix.lower()[:10])
        copy_to_local(asset.original, source)
        subtitles = None
        track = subtitle_track_for(item, size)
        if track is not None:
            subtitles = work / "subtitles.vtt"
            copy_to_local(track.file, subtitles)
        return film_render(source=source, frame=frame, subtitles=subtitles, work=work)
    field_file = _slide_file(item)
    source = work / ("slide" + Path(field_file.name).suffix.lower()[:10])
    copy_to_local(field_file, source)
    return slide_render(source=source, frame=frame, work=work)


def playlist_ready_renditions(
    playlist: Playlist,
) -> dict[tuple[int, int], ScreenRendition]:
    """(item id, size id) → its ready rendition, for what is made already."""
    return {
        (r.item_id, r.size_id): r
        for r in ScreenRendition.objects.filter(
            item__playlist=playlist, status=RenditionStatus.READY
        )
    }


class PlaylistNotReady(Exception):
    """The playlist's files are not all made; ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def playlist_check_ready(playlist: Playlist) -> None:
    items = list(playlist.items.all())
    sizes = list(playlist.network.sizes.all())
    if not items:
        raise PlaylistNotReady(_("播放列表还没有条目。"))
    if not sizes:
        raise PlaylistNotReady(_("这个屏幕网络还没有屏幕尺寸。"))
    ready = playlist_ready_renditions(playlist)
    missing = sum(
        1
        for item in items
        for size in sizes
        if (item.pk, size.pk) not in ready
        or ready[item.pk, size.pk].source_key != rendition_source_key(item, size)
    )
    if missing:
        raise PlaylistNotReady(
            _("还有 %(n)s 个屏幕文件没有生成好，请先“生成屏幕文件”并等待完成。")
            % {"n": missing}
        )
