"""Rewriting the files an HLS playlist (or a sprite WebVTT track) names.

Stored playlists name their segments relative to themselves. Whoever serves
one decides where each named file is fetched from — our file view, a
presigned S3 URL, a partner's signed link — and this module applies that
decision to every reference the playlist makes: ``URI="…"`` attributes of
tags (init segments, media playlists of a master), segment lines, and the
sprite sheets of a thumbnail track.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

URI_ATTRIBUTE = re.compile(r'URI="([^"]+)"')
SPRITE_REFERENCE = re.compile(r"^(sprite_\d+\.jpg)(#xywh=[\d,]+)$")


def is_external(reference: str) -> bool:
    """Whether a reference names a URL or an absolute path, not a file of
    the same output."""
    return "://" in reference or reference.startswith("/")


def rewrite_playlist(
    text: str,
    *,
    relative: str,
    url_for: Callable[[str], str | None],
    keep_external: bool = True,
) -> str:
    """``text`` of the playlist or track stored at ``relative`` (a path in
    its output folder), with every file it names replaced by
    ``url_for(path of that file in the same folder tree)``.

    Where ``url_for`` answers None the reference is left out: a segment line
    is dropped, a ``URI`` attribute emptied. External references are kept as
    they are, or left out when ``keep_external`` is False.
    """
    folder = posixpath.dirname(relative)
    is_playlist = relative.endswith(".m3u8")

    def resolve(reference: str) -> str | None:
        if is_external(reference):
            return reference if keep_external else None
        return url_for(posixpath.normpath(posixpath.join(folder, reference)))

    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            line = URI_ATTRIBUTE.sub(
                lambda match: f'URI="{resolve(match.group(1)) or ""}"', line
            )
        elif match := SPRITE_REFERENCE.match(stripped):
            url = resolve(match.group(1))
            if url is None:
                continue
            line = url + match.group(2)
        elif stripped and is_playlist:
            url = resolve(stripped)
            if url is None:
                continue
            line = url
        lines.append(line)
    return "\n".join(lines) + "\n"
