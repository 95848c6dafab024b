"""The still pictures of an asset: its poster for pages and players, a small
thumbnail for the admin's lists; waveform image for audio.

Addresses go through the media file view, so the access rule decides who
sees them: the public while a public page uses the asset, signed-in users
who may choose it in the admin. Lists load the stills of all their assets
at once with ``prefetch_stills``.
"""

from __future__ import annotations

from django.db.models import Prefetch

from .models import MediaAsset, Rendition, RenditionKind
from .serving import rendition_url

#: For a page: the poster frame, else (audio) the waveform.
POSTER_KINDS = (RenditionKind.POSTER, RenditionKind.WAVEFORM)
#: For a list row: a small frame, else the poster, else the waveform.
THUMBNAIL_KINDS = (RenditionKind.THUMBNAIL, *POSTER_KINDS)

STILL_KINDS = (RenditionKind.POSTER, RenditionKind.THUMBNAIL, RenditionKind.WAVEFORM)
#: Where ``prefetch_stills`` leaves a job's still renditions.
STILLS_ATTR = "still_renditions"


def prefetch_stills(job_lookup: str = "published_job") -> Prefetch:
    """Prefetch the still renditions of the jobs at ``job_lookup``
    (``published_job`` from assets, ``media_asset__published_job`` from pages)."""
    return Prefetch(
        f"{job_lookup}__renditions",
        queryset=Rendition.objects.filter(kind__in=STILL_KINDS).order_by("name"),
        to_attr=STILLS_ATTR,
    )


def _stills(asset: MediaAsset) -> list[Rendition]:
    job = asset.published_job
    stills = getattr(job, STILLS_ATTR, None)
    if stills is None:
        stills = list(job.renditions.filter(kind__in=STILL_KINDS).order_by("name"))
    return stills


def still(asset: MediaAsset | None, kinds=POSTER_KINDS) -> Rendition | None:
    """The asset's first still of ``kinds`` (in that order of preference),
    or None: no asset, not ready, nothing made."""
    if asset is None or not asset.is_ready or asset.published_job_id is None:
        return None
    stills = _stills(asset)
    for kind in kinds:
        of_kind = [rendition for rendition in stills if rendition.kind == kind]
        if of_kind:
            # Thumbnails run through the video: the middle one shows it best
            # (the first is often a black or title frame).
            return of_kind[len(of_kind) // 2]
    return None


def still_url(asset: MediaAsset | None, kinds=POSTER_KINDS) -> str | None:
    """The address of ``still(asset, kinds)``, or None."""
    found = still(asset, kinds)
    return rendition_url(asset, found) if found is not None else None


def poster(asset: MediaAsset | None) -> Rendition | None:
    """The poster frame (the waveform for audio), with its size."""
    return still(asset, POSTER_KINDS)


def poster_url(asset: MediaAsset | None) -> str | None:
    return still_url(asset, POSTER_KINDS)


def thumbnail_url(asset: MediaAsset | None) -> str | None:
    return still_url(asset, THUMBNAIL_KINDS)
