"""Services for media assets: storing originals, finding where an asset is
used, and deleting it."""

import logging
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.db import IntegrityError, models, transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from modelcluster.fields import ParentalKey
from wagtail.models import Collection, ReferenceIndex

from ..errors import DuplicateMediaError
from ..hashing import sha256_of_file
from ..models import AssetStatus, MediaAsset
from ..permissions import permission_policy

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
        raise duplicate_error(existing, uploaded_by=uploaded_by)
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
        raise duplicate_error(existing, uploaded_by=uploaded_by) from None
    if start_processing:
        from .jobs import job_request

        transaction.on_commit(lambda: job_request(asset=asset))
    logger.info("Stored original of asset %s (%s bytes)", asset.pk, asset.size)
    return asset


def duplicate_error(existing: MediaAsset, *, uploaded_by) -> DuplicateMediaError:
    """The refusal of bytes already in the library, telling the uploader only
    what they may see: an asset in a collection they cannot see is neither
    named nor numbered (its title and id would leak what is in there)."""
    if uploaded_by is None or permission_policy.user_has_any_permission_for_instance(
        uploaded_by, ["choose", "change"], existing
    ):
        return DuplicateMediaError(
            _("媒体库中已有相同的文件：“%(title)s”（编号 %(id)s）。")
            % {"title": existing.title, "id": existing.pk},
            existing=existing,
        )
    return DuplicateMediaError(
        _("媒体库中已有相同的文件，但它在你无权查看的收藏集中；请联系管理员。"),
        existing=None,
    )


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


#: How many rows of one kind are named; more only lengthen the refusal.
USES_LIMIT = 50


@dataclass(frozen=True)
class AssetUse:
    """One place an asset is used: a page, a delivery, a brand version…"""

    kind: str
    label: str

    def __str__(self):
        return f"{self.kind}“{self.label}”"


def _owner(obj):
    """What a person opens to find the use: a child row (a playlist's item,
    a page's inline row) is edited on the object its ParentalKey names."""
    for field in obj._meta.concrete_fields:
        if isinstance(field, ParentalKey):
            return getattr(obj, field.name)
    return obj


def _describe(obj) -> AssetUse:
    # A page's specific title reads better than "Page object"; a child row
    # (a brand variant) is named by what it belongs to when it says so.
    obj = getattr(obj, "specific", obj)
    return AssetUse(kind=capfirst(obj._meta.verbose_name), label=str(obj))


def asset_uses(asset: MediaAsset) -> list[AssetUse]:
    """Every place that uses the asset: pages' SET_NULL fields, deliveries'
    and brand variants' PROTECT ones, StreamField blocks, rich text (see
    object_uses). The asset's own parts (jobs, subtitles, tags) are not
    uses."""
    return object_uses(asset)


def object_uses(obj) -> list[AssetUse]:
    """Every place outside ``obj``'s own app that uses it, found without
    knowing the apps above.

    Two sources, because neither sees everything: the foreign keys pointing
    at ``obj``'s model from other apps (whether or not their models are
    reference-indexed) and Wagtail's reference index (StreamField blocks,
    rich text, and whatever the usage view shows).
    """
    model = obj._meta.concrete_model
    uses: dict[tuple, AssetUse] = {}
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue
        related = relation.related_model
        if related._meta.app_label == model._meta.app_label:
            continue
        rows = related._base_manager.filter(**{relation.field.name: obj})
        for row in rows[:USES_LIMIT]:
            owner = _owner(row)
            uses.setdefault(_key(owner), _describe(owner))
    references = ReferenceIndex.get_references_to(obj).group_by_source_object()
    for source, _references in references:
        if source is not None:
            uses.setdefault(_key(source), _describe(source))
    return list(uses.values())


def _key(obj) -> tuple[str, object]:
    # A page is indexed as wagtailcore.page but pointed at by its own model:
    # key both by the root of the inheritance chain so it counts once.
    parents = obj._meta.get_parent_list()
    root = parents[-1] if parents else obj._meta.concrete_model
    return root._meta.label_lower, obj.pk


def uses_named(uses: list[AssetUse], *, limit: int = 10) -> str:
    """The first ``limit`` places, and how many there are in all."""
    names = "、".join(str(use) for use in uses[:limit])
    if len(uses) > limit:
        names += _("等 %(count)s 处") % {"count": len(uses)}
    return names


def asset_uses_reason(uses: list[AssetUse], *, limit: int = 10) -> str:
    """Why the asset cannot be deleted, naming where it is used."""
    return _("该媒体正在使用中，不能删除：%(names)s。请先解除这些引用。") % {
        "names": uses_named(uses, limit=limit)
    }


class AssetInUse(Exception):
    """An asset (a media asset, or another app's) that cannot be deleted:
    where it is used, and the ``reason`` to show."""

    def __init__(self, uses: list[AssetUse], reason: str | None = None):
        self.uses = uses
        self.reason = reason or asset_uses_reason(uses)
        super().__init__(self.reason)


def asset_delete(*, asset: MediaAsset) -> None:
    """Delete an asset no page, delivery or brand version uses.

    Raises AssetInUse (with the places) otherwise, also when a use appears
    between the check and the delete (a PROTECT foreign key refuses it). The
    stored files go once the deletion commits (``signal_handlers``).
    """
    from .jobs import job_cancel

    uses = asset_uses(asset)
    if uses:
        raise AssetInUse(uses)
    try:
        with transaction.atomic():
            for job in asset.jobs.active():
                # A worker still writing would publish into a deleted asset.
                job_cancel(job=job)
            asset.delete()
    except models.ProtectedError as error:
        uses = [_describe(obj) for obj in list(error.protected_objects)[:USES_LIMIT]]
        raise AssetInUse(uses) from None
    logger.info("Deleted asset %s", asset.pk)
