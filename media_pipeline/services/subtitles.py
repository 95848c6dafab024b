"""Services for subtitle tracks: add (or replace) and delete.

A file is checked in full before anything is written, so a refused upload
leaves the asset's tracks, and the files behind them, as they were.
"""

import hashlib
import logging
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import MediaAsset, SubtitleKind, SubtitleLanguage, SubtitleTrack
from ..subtitles import SubtitleError, read_subtitles

logger = logging.getLogger(__name__)


def subtitle_default_label(*, language: str, kind: str) -> str:
    """ "简体中文", or "简体中文（听障字幕）" for captions."""
    label = str(SubtitleLanguage(language).label)
    if kind == SubtitleKind.CAPTIONS:
        label = _("%(language)s（听障字幕）") % {"language": label}
    return label


def subtitle_track_add(
    *,
    asset: MediaAsset,
    source,
    filename: str,
    language: str,
    kind: str = SubtitleKind.SUBTITLES,
    label: str = "",
    uploaded_by=None,
) -> SubtitleTrack:
    """Check ``source`` (a binary file object), convert it to WebVTT and make
    it the asset's track for ``language`` and ``kind``, replacing the one
    there was. Raises SubtitleError, with the reason, and changes nothing, if
    the file is refused."""
    if language not in SubtitleLanguage.values:
        raise SubtitleError(
            _("不支持的字幕语言“%(language)s”。") % {"language": language}
        )
    if kind not in SubtitleKind.values:
        raise SubtitleError(_("未知的字幕类型“%(kind)s”。") % {"kind": kind})
    subtitles = read_subtitles(source, filename=filename)
    data = subtitles.webvtt.encode("utf-8")
    sha256 = hashlib.sha256(data).hexdigest()

    with transaction.atomic():
        track = (
            SubtitleTrack.objects.select_for_update()
            .filter(asset=asset, language=language, kind=kind)
            .first()
        ) or SubtitleTrack(asset=asset, language=language, kind=kind)
        replaced = track.file.name if track.pk and track.sha256 != sha256 else ""
        track.label = label.strip()[:100] or subtitle_default_label(
            language=language, kind=kind
        )
        track.original_filename = Path(filename).name[:255]
        track.cue_count = len(subtitles.cues)
        track.end_seconds = round(subtitles.end_seconds, 3)
        track.uploaded_by = uploaded_by
        written = ""
        if not track.pk or replaced:
            track.sha256 = sha256
            track.size = len(data)
            track.file.save("subtitles.vtt", ContentFile(data), save=False)
            written = track.file.name
        try:
            track.save()
        except Exception:
            # The row was not saved: the file we just wrote belongs to nobody.
            if written:
                track.file.storage.delete(written)
            raise
        if replaced:
            storage = track.file.storage
            transaction.on_commit(lambda: storage.delete(replaced))
    logger.info(
        "Subtitle track %s of asset %s: %s cues (%s)",
        track.pk,
        asset.pk,
        track.cue_count,
        subtitles.source_format,
    )
    return track


def subtitle_track_delete(*, track: SubtitleTrack) -> None:
    """Remove a track; its file goes once the deletion commits (see
    ``signal_handlers``)."""
    track.delete()
