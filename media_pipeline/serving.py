"""Serving published renditions, whatever the storage.

Files are addressed as ``/media-files/<asset id>/<path in the output>``. Only
the published run of a ready asset can be reached, so work in progress and
superseded runs are never visible. On S3 the bucket stays private: files are
handed out as short-lived presigned URLs, and playlists (and the sprite
track), which name other files, are rewritten so each of those is presigned
too. On the filesystem the same view streams the files itself.
"""

import posixpath
import re

from django.core.files.storage import default_storage
from django.urls import reverse

from .models import MediaAsset, Rendition

REWRITTEN_SUFFIXES = (".m3u8", ".vtt")
URI_ATTRIBUTE = re.compile(r'URI="([^"]+)"')
SPRITE_REFERENCE = re.compile(r"^(sprite_\d+\.jpg)(#xywh=[\d,]+)$")


def storage_presigns() -> bool:
    """Whether the storage hands out its own signed URLs (S3 and alikes)."""
    return bool(getattr(default_storage, "querystring_auth", False))


def relative_name(asset: MediaAsset, name: str) -> str:
    return name.removeprefix(asset.published_job.output_prefix + "/")


def file_url(asset: MediaAsset, relative: str) -> str:
    return reverse("media_files:file", args=(asset.pk, relative))


def rendition_url(asset: MediaAsset, rendition: Rendition) -> str:
    prefix = rendition.job.output_prefix + "/"
    return file_url(asset, rendition.name.removeprefix(prefix))


def safe_relative(relative: str) -> str | None:
    """A normalised path inside the output folder, or None if it escapes."""
    normalised = posixpath.normpath(relative)
    if normalised.startswith(("..", "/")) or normalised in ("", "."):
        return None
    return normalised


def rewrite_references(asset: MediaAsset, relative: str, text: str) -> str:
    """Point every file a playlist or track names at a URL that works."""
    folder = posixpath.dirname(relative)
    presign = storage_presigns()
    prefix = asset.published_job.output_prefix

    def url_for(reference: str) -> str:
        if "://" in reference or reference.startswith("/"):
            return reference
        target = posixpath.normpath(posixpath.join(folder, reference))
        # Playlists and tracks come back through this view to be rewritten in
        # turn; only the media files themselves go straight to the store.
        if presign and not target.endswith(REWRITTEN_SUFFIXES):
            return default_storage.url(f"{prefix}/{target}")
        return file_url(asset, target)

    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            line = URI_ATTRIBUTE.sub(lambda m: f'URI="{url_for(m.group(1))}"', line)
        elif match := SPRITE_REFERENCE.match(stripped):
            line = url_for(match.group(1)) + match.group(2)
        elif stripped and relative.endswith(".m3u8"):
            line = url_for(stripped)
        lines.append(line)
    return "\n".join(lines) + "\n"
