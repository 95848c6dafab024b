"""Subtitles and production rights as the partner API and feeds may show them.

Small reads for the item detail and the feeds to call; the package sidecar
says the same (see ``packages``). The delivery file itself, made by the
delivery profile's transcode profile, is found with
``deliverables.delivery_job_renditions``.
"""

from django.urls import reverse

from media_pipeline.models import MediaAsset

from .deliverables import delivery_subtitles


def subtitle_url(track) -> str:
    """The track's public WebVTT address (path only; add the host)."""
    return reverse("media_files:subtitle", args=(track.asset_id, track.pk))


def subtitle_entries(asset: MediaAsset | None, *, request=None) -> list[dict]:
    """The asset's subtitle tracks, Chinese first: language (BCP 47), label,
    kind, the WebVTT URL (absolute with ``request``), size and SHA-256."""
    entries = []
    for track in delivery_subtitles(asset):
        url = subtitle_url(track)
        entries.append(
            {
                "language": track.language,
                "label": track.label,
                "kind": track.kind,
                "mime_type": "text/vtt",
                "url": request.build_absolute_uri(url) if request else url,
                "size_in_bytes": track.size,
                "sha256": track.sha256,
                "cue_count": track.cue_count,
            }
        )
    return entries


def rights_fields(page) -> dict[str, str]:
    """出品单位 and 版权方 of an episode, short video or music work, as the
    page says them ("" when left blank: QC refuses such a page for platforms
    that require them, and the caller decides whether to fall back)."""
    page = getattr(page, "specific", page)
    return {
        "producing_unit": (getattr(page, "producing_unit", "") or "").strip(),
        "rights_holder": (getattr(page, "rights_holder", "") or "").strip(),
    }
