"""The playlist zip operators load onto their players.

One folder per screen size (``768x384-silent/``) with the loop's files in
order (``01-film.mp4``, ``02-slide.jpg``, …), ``playlist.json`` (the order,
each file's duration, size in bytes and SHA-256, per screen size), and the
``manifest-sha256.txt`` of the media pipeline's ZipPacker, so the operator
can check the whole zip with ``sha256sum -c``.

The zip is stored on the playlist and rebuilt only when the document it
was built from changes (new files, order, durations, validity).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import tempfile
import zipfile

from django.core.files import File
from django.utils import timezone

from media_pipeline.storage import storage_errors_are_transient
from media_pipeline.zip_packer import ZipPacker

from .models import ItemKind, Playlist, ScreenRendition, ScreenSize
from .services import playlist_check_ready, playlist_ready_renditions

DOCUMENT_NAME = "playlist.json"
PACKAGE_PREFIX = "screens/packages"


def _file_name(position: int, rendition: ScreenRendition) -> str:
    extension = posixpath.splitext(rendition.file.name)[1] or ".bin"
    return f"{rendition.size.folder}/{position:02d}-{rendition.item.kind}{extension}"


def _loops(playlist: Playlist) -> list[tuple[ScreenSize, list[ScreenRendition]]]:
    """Per screen size of the network, the ready file of every item in
    playlist order (each knowing its item and size)."""
    playlist_check_ready(playlist)
    ready = playlist_ready_renditions(playlist)
    items = list(
        playlist.items.select_related(
            "media_asset", "brand_variant__version__asset", "image"
        ).order_by("sort_order", "pk")
    )
    loops = []
    for size in playlist.network.sizes.all():
        renditions = []
        for item in items:
            rendition = ready[item.pk, size.pk]
            rendition.item, rendition.size = item, size
            renditions.append(rendition)
        loops.append((size, renditions))
    return loops


def _entry(position: int, rendition: ScreenRendition) -> dict:
    item = rendition.item
    duration = (
        float(item.slide_seconds)
        if item.kind == ItemKind.SLIDE
        else float(rendition.duration or 0)
    )
    return {
        "position": position,
        "kind": item.kind,
        "title": item.title,
        "file": _file_name(position, rendition),
        "duration": round(duration, 3),
        "bytes": rendition.bytes,
        "sha256": rendition.sha256,
        "width": rendition.width,
        "height": rendition.height,
        "has_audio": rendition.has_audio,
        "burned_subtitles": rendition.burned_subtitles,
    }


def _document(playlist: Playlist, loops) -> dict:
    sizes = []
    for size, renditions in loops:
        entries = [_entry(n, r) for n, r in enumerate(renditions, start=1)]
        sizes.append(
            {
                "folder": size.folder,
                "name": size.name,
                "width": size.width,
                "height": size.height,
                "orientation": str(size.orientation),
                "has_sound": size.has_sound,
                "fit": size.fit,
                "frame_rate": size.frame_rate,
                "loop_seconds": round(sum(e["duration"] for e in entries), 3),
                "items": entries,
            }
        )
    network = playlist.network
    return {
        "network": {"name": network.name, "slug": network.slug, "kind": network.kind},
        "playlist": {
            "id": playlist.pk,
            "name": playlist.name,
            "valid_from": playlist.valid_from.isoformat(),
            "valid_until": (
                playlist.valid_until.isoformat() if playlist.valid_until else None
            ),
        },
        "sizes": sizes,
    }


def playlist_document(playlist: Playlist) -> dict:
    """What ``playlist.json`` says: the network, the validity and, per
    screen size, the loop in order with every file's facts. Raises
    ``PlaylistNotReady`` while files are missing."""
    return _document(playlist, _loops(playlist))


def _document_key(document: dict) -> str:
    return hashlib.sha256(
        json.dumps(document, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def playlist_package(playlist: Playlist) -> str:
    """The stored name of the playlist's zip, built now if it is missing or
    its document changed. Raises ``PlaylistNotReady`` with the reason."""
    loops = _loops(playlist)
    document = _document(playlist, loops)
    key = _document_key(document)
    if playlist.package and playlist.package_key == key:
        return playlist.package.name
    built_at = timezone.localtime()
    with tempfile.NamedTemporaryFile(suffix=".zip") as local:
        with zipfile.ZipFile(local, "w", allowZip64=True) as archive:
            packer = ZipPacker(archive, date_time=built_at.timetuple()[:6])
            for (_size, renditions), listed in zip(
                loops, document["sizes"], strict=True
            ):
                for rendition, entry in zip(renditions, listed["items"], strict=True):
                    _pack(packer, entry["file"], rendition)
            packer.add_bytes(
                DOCUMENT_NAME,
                json.dumps(
                    document | {"built_at": built_at.isoformat()},
                    ensure_ascii=False,
                    indent=2,
                ).encode(),
            )
            packer.write_manifest()
        local.seek(0)
        old_name = playlist.package.name
        name = f"{playlist.network.slug}-{playlist.pk}-{key[:12]}.zip"
        with storage_errors_are_transient():
            playlist.package.save(
                posixpath.join(PACKAGE_PREFIX, name), File(local), save=False
            )
    Playlist.objects.filter(pk=playlist.pk).update(
        package=playlist.package.name, package_key=key
    )
    playlist.package_key = key
    if old_name and old_name != playlist.package.name:
        playlist.package.storage.delete(old_name)
    return playlist.package.name


class PackageCorrupt(Exception):
    """A stored file no longer has the SHA-256 recorded when it was made."""


def _pack(packer: ZipPacker, name: str, rendition: ScreenRendition) -> None:
    with storage_errors_are_transient(), rendition.file.open("rb") as stream:
        packed = packer.add_stream(name, stream, size=rendition.bytes, compress=False)
    if packed.sha256 != rendition.sha256:
        raise PackageCorrupt(name)
