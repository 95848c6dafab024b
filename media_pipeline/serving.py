"""Serving published renditions, whatever the storage.

Files are addressed as ``/media-files/<asset key>/<path in the output>``. Only
the published run of a ready asset can be reached, so work in progress and
superseded runs are never visible. On S3 the bucket stays private: files are
handed out as short-lived presigned URLs, and playlists (and the sprite
track), which name other files, are rewritten so each of those is presigned
too. On the filesystem the same view streams the files itself.
"""

import posixpath

from django.core.files.storage import default_storage
from django.urls import reverse

from .models import MediaAsset, Rendition, SubtitleTrack
from .playlists import rewrite_playlist
from .storage import storage_presigns

REWRITTEN_SUFFIXES = (".m3u8", ".vtt")


def relative_name(asset: MediaAsset, name: str) -> str:
    return name.removeprefix(asset.published_job.output_prefix + "/")


def file_url(asset: MediaAsset, relative: str) -> str:
    return reverse("media_files:file", args=(asset.key, relative))


def subtitle_url(track: SubtitleTrack) -> str:
    """The WebVTT address of a track (its asset is read: load it with the
    track, as ``asset.subtitle_tracks`` and ``select_related`` do)."""
    return reverse("media_files:subtitle", args=(track.asset.key, track.pk))


def rendition_url(asset: MediaAsset, rendition: Rendition) -> str:
    prefix = rendition.job.output_prefix + "/"
    return file_url(asset, rendition.name.removeprefix(prefix))


def safe_relative(relative: str) -> str | None:
    """A normalised path inside the output folder, or None if it escapes."""
    normalised = posixpath.normpath(relative)
    if normalised.startswith(("..", "/")) or normalised in ("", "."):
        return None
    return normalised


def rewrite_references(key, prefix: str, relative: str, text: str) -> str:
    """Point every file a playlist or track of the asset with ``key`` (its
    published files stored under ``prefix``) names at a URL that works."""
    presign = storage_presigns()

    def url_for(target: str) -> str:
        # Playlists and tracks come back through this view to be rewritten in
        # turn; only the media files themselves go straight to the store.
        if presign and not target.endswith(REWRITTEN_SUFFIXES):
            return default_storage.url(f"{prefix}/{target}")
        return reverse("media_files:file", args=(key, target))

    return rewrite_playlist(text, relative=relative, url_for=url_for)
