"""The files a partner is offered of its delivered items: renditions and
subtitle tracks, for a page of deliveries at once.

The file of a delivery is the one its QC checked: what the delivery
profile's transcode profile made of the asset's current original (see
``deliverables``). The asset's published web renditions fill in the kinds
that job did not make — an audio work's M4A and MP3, which no video
profile makes, or a poster — so a partner always gets everything there is,
and never a web rendition in place of the delivery file.

Two queries whatever the number of deliveries (one for their profiles, one
for the renditions); the subtitles are one more.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F, Q

from media_pipeline.models import (
    JobStatus,
    Rendition,
    RenditionKind,
    SubtitleTrack,
)
from media_pipeline.serving import subtitle_url

from .deliverables import subtitle_entry
from .downloads import rendition_url
from .models import Delivery

#: The renditions a partner is offered, in the order they are listed.
PARTNER_RENDITION_KINDS = (
    RenditionKind.MP4,
    RenditionKind.M4A,
    RenditionKind.MP3,
    RenditionKind.HLS_MASTER,
    RenditionKind.POSTER,
)
_ORDER = {kind: index for index, kind in enumerate(PARTNER_RENDITION_KINDS)}


def _transcode_profiles(rows: list[dict]) -> dict[int, int]:
    """Delivery id → the transcode profile of its delivery profile."""
    return dict(
        Delivery.objects.filter(pk__in=[row["id"] for row in rows]).values_list(
            "id", "profile__transcode_profile_id"
        )
    )


def load_offered_renditions(rows: list[dict]) -> dict[int, list[Rendition]]:
    """Delivery id → the renditions offered for the delivery ``rows`` (as
    ``items.delivery_rows`` reads them), in the order of
    PARTNER_RENDITION_KINDS, tallest first within a kind."""
    rows = [row for row in rows if row["asset_id"]]
    if not rows:
        return {}
    profile_of = _transcode_profiles(rows)
    asset_ids = {row["asset_id"] for row in rows}
    published = Q(job_id=F("job__asset__published_job_id"))
    # A delivery job over the asset's current original, finished.
    delivery_made = Q(
        job__profile_id__in=set(profile_of.values()),
        job__status=JobStatus.SUCCEEDED,
        job__source_sha256=F("job__asset__sha256"),
    )
    renditions = (
        Rendition.objects.filter(
            job__asset_id__in=asset_ids, kind__in=PARTNER_RENDITION_KINDS
        )
        .filter(published | delivery_made)
        .annotate(
            published_job_id=F("job__asset__published_job_id"),
            current_sha256=F("job__asset__sha256"),
        )
        .select_related("job")
        .order_by("-height", "pk")
    )
    web: dict[int, list[Rendition]] = defaultdict(list)
    made: dict[tuple[int, int], list[Rendition]] = defaultdict(list)
    for rendition in renditions:
        job = rendition.job
        if job.pk == rendition.published_job_id:
            web[job.asset_id].append(rendition)
        if (
            job.status == JobStatus.SUCCEEDED
            and job.source_sha256 == rendition.current_sha256
        ):
            made[(job.asset_id, job.profile_id)].append(rendition)

    offered = {}
    for row in rows:
        own = made.get((row["asset_id"], profile_of.get(row["id"])), [])
        own_kinds = {rendition.kind for rendition in own}
        listed = own + [
            rendition
            for rendition in web.get(row["asset_id"], [])
            if rendition.kind not in own_kinds
        ]
        listed.sort(key=lambda rendition: _ORDER[rendition.kind])
        offered[row["id"]] = listed
    return offered


def load_subtitle_tracks(rows: list[dict]) -> dict[int, list[SubtitleTrack]]:
    """Asset id → its subtitle tracks, Chinese first, for the ``rows``'
    assets. One query."""
    asset_ids = {row["asset_id"] for row in rows if row["asset_id"]}
    if not asset_ids:
        return {}
    tracks: dict[int, list[SubtitleTrack]] = defaultdict(list)
    found = (
        SubtitleTrack.objects.filter(asset_id__in=asset_ids)
        .select_related("asset")
        .in_order()
    )
    for track in found:
        tracks[track.asset_id].append(track)
    return tracks


def subtitle_out(request, track: SubtitleTrack) -> dict:
    """A subtitle track as the partner API and the feeds list it: what a
    package's sidecar says of it, and its WebVTT address (the one the public
    player uses: subtitles are served with the page, not signed)."""
    url = subtitle_url(track)
    return {**subtitle_entry(track), "url": request.build_absolute_uri(url)}


def rendition_out(request, *, row: dict, partner_id: int, rendition) -> dict:
    """A rendition as the item detail lists it, with its download link."""
    url, expires_at = rendition_url(
        request, row=row, partner_id=partner_id, rendition=rendition
    )
    return {
        "kind": rendition.kind,
        "mime_type": rendition.mime_type,
        "width": rendition.width,
        "height": rendition.height,
        "bitrate": rendition.bitrate,
        "size": rendition.size,
        "duration": rendition.duration,
        "url": url,
        "expires_at": expires_at.isoformat(),
    }
