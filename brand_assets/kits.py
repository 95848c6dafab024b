"""Download kits: zips of every variant of the approved versions of a kit's
assets, with a usage guide per asset and a manifest of checksums.

A kit is rebuilt only when what it is made of changes. That is its
fingerprint: the ordered assets, the approved version of each, the id and
SHA-256 of every file that goes in (and, for video and audio, the published
rendition), whether design sources are included, and the text of the usage
guides. Approving a version schedules a build of every kit containing the
asset; the build compares fingerprints and does nothing when they match.

Everything is read and written through storages (disk or S3); files are
streamed into the zip in chunks, never held in memory whole.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from media_pipeline.storage import STORAGE_ERRORS
from media_pipeline.zip_packer import ZipPacker

from .media import variant_media_rendition
from .models import (
    BrandAsset,
    BrandAssetVersion,
    BrandKit,
    BrandVariant,
    KitStatus,
    VariantFormat,
)

logger = logging.getLogger(__name__)

KIT_PREFIX = "brand/kits"
GUIDE_NAME = "使用规范.txt"
MANIFEST_JSON_NAME = "manifest.json"
# Characters that cannot be part of a file name on some system a kit lands on.
UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


class KitBuildError(Exception):
    """A build that cannot succeed by trying again (a file failed its check)."""


@dataclass
class PlannedFile:
    """One file that goes into a kit, and where it is read from."""

    variant: BrandVariant
    entry: str
    storage_name: str
    storage: object
    size: int
    # Known in advance for stored variants; media renditions are hashed while
    # they are packed.
    sha256: str = ""


@dataclass
class PlannedAsset:
    asset: BrandAsset
    folder: str
    version: BrandAssetVersion | None
    files: list[PlannedFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class KitPlan:
    kit: BrandKit
    assets: list[PlannedAsset]
    fingerprint: str

    @property
    def notes(self) -> list[str]:
        return [note for planned in self.assets for note in planned.notes]


# --- What a kit is made of ----------------------------------------------------


def safe_name(name: str, fallback: str = "file") -> str:
    """``name`` usable as one path segment in a zip on any system."""
    cleaned = UNSAFE_NAME.sub("-", name).strip(" .")
    return cleaned or fallback


def _unique(name: str, taken: set[str]) -> str:
    stem, ext = posixpath.splitext(name)
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{stem}-{n}{ext}"
        n += 1
    taken.add(candidate)
    return candidate


def _is_source(variant: BrandVariant) -> bool:
    return variant.is_design_source


def _guide_facts(asset: BrandAsset) -> list[str]:
    """What of the asset itself goes into its guide, so a change to it
    changes the kit's fingerprint."""
    return [
        asset.name,
        asset.kind,
        asset.description,
        asset.usage_guidance,
        json.dumps(asset.allowed_uses or [], ensure_ascii=False),
        asset.attribution,
    ]


def kit_plan(kit: BrandKit) -> KitPlan:
    """What a build of ``kit`` made now would contain, and its fingerprint."""
    digest = hashlib.sha256()

    def feed(*parts) -> None:
        for part in parts:
            digest.update(str(part).encode())
            digest.update(b"\x1f")
        digest.update(b"\x1e")

    feed("kit", int(kit.include_sources))
    planned_assets = []
    folders: set[str] = set()
    for asset in kit.assets.prefetch_approved_version().order_by("pk"):
        version = asset.approved_version
        folder = _unique(safe_name(asset.name, asset.slug), folders)
        planned = PlannedAsset(asset=asset, folder=folder, version=version)
        feed("asset", asset.pk, version.pk if version else "", *_guide_facts(asset))
        if version is None:
            planned.notes.append(
                _("“%(asset)s”还没有审定的版本，本套件暂不包含它。")
                % {"asset": asset.name}
            )
        else:
            _plan_files(kit, planned, version, feed)
        planned_assets.append(planned)
    return KitPlan(kit=kit, assets=planned_assets, fingerprint=digest.hexdigest())


def _plan_files(kit: BrandKit, planned: PlannedAsset, version, feed) -> None:
    names: set[str] = {GUIDE_NAME}
    variants = version.variants.select_related("media_asset").order_by(
        "role", "position", "pk"
    )
    for variant in variants:
        if _is_source(variant) and not kit.include_sources:
            continue
        if variant.is_media:
            rendition = variant_media_rendition(variant)
            feed(
                "media", variant.pk, variant.sha256, rendition.name if rendition else ""
            )
            if rendition is None:
                planned.notes.append(
                    _("“%(file)s”在媒体库中尚未处理完成，本套件暂不包含它。")
                    % {"file": variant}
                )
                continue
            stem = posixpath.splitext(variant.original_filename or str(variant))[0]
            ext = posixpath.splitext(rendition.name)[1] or ".mp4"
            entry_name = safe_name(stem, f"media-{variant.pk}") + ext
            planned.files.append(
                PlannedFile(
                    variant=variant,
                    entry=_entry(planned, _unique(entry_name, names)),
                    storage_name=rendition.name,
                    storage=default_storage,
                    size=rendition.size,
                )
            )
            continue
        feed("file", variant.pk, variant.sha256)
        entry_name = safe_name(variant.download_name, f"file-{variant.pk}")
        planned.files.append(
            PlannedFile(
                variant=variant,
                entry=_entry(planned, _unique(entry_name, names)),
                storage_name=variant.file.name,
                storage=variant.file.storage,
                size=variant.size,
                sha256=variant.sha256,
            )
        )


def _entry(planned: PlannedAsset, name: str) -> str:
    return f"{planned.folder}/{name}"


def kit_fingerprint(kit: BrandKit) -> str:
    """SHA-256 of what ``kit`` is made of now (see the module's docstring)."""
    return kit_plan(kit).fingerprint


def kit_is_current(kit: BrandKit, fingerprint: str | None = None) -> bool:
    """Whether the stored zip is what a build now would make."""
    if fingerprint is None:
        fingerprint = kit_fingerprint(kit)
    return (
        kit.status == KitStatus.READY
        and kit.fingerprint == fingerprint
        and bool(kit.file.name)
        and default_storage.exists(kit.file.name)
    )


def kit_storage_name(kit: BrandKit, fingerprint: str) -> str:
    return f"{KIT_PREFIX}/{kit.slug}-{fingerprint[:12]}.zip"


# --- Scheduling -----------------------------------------------------------------


def kit_request_build(*, kit: BrandKit, force: bool = False) -> None:
    """Build ``kit`` in the background once the current transaction commits.

    Without ``force`` the build does nothing when the kit is current, so this
    may be called after any change that might matter.

    A ready kit whose content changed goes back to pending at once: until the
    worker has built it again, the old zip (which may hold an asset no longer
    in the kit, licensed or public) must not be handed out.
    """
    from .tasks import build_kit

    kit_id = kit.pk
    BrandKit.objects.filter(pk=kit_id, status=KitStatus.READY).exclude(
        fingerprint=kit_fingerprint(kit)
    ).update(status=KitStatus.PENDING)
    transaction.on_commit(
        lambda: build_kit.apply_async(
            args=(kit_id,), kwargs={"force": force}, queue="default"
        )
    )


def kit_zip_is_current(kit: BrandKit) -> bool:
    """Whether ``kit``'s zip may be handed out now: built, and still what the
    kit is made of. Changes that do not go through ``kit_request_build`` (an
    asset deleted, a video finishing in the media library) are caught here:
    such a kit is sent to be rebuilt, pending meanwhile."""
    if kit.status != KitStatus.READY or not kit.file.name:
        return False
    if kit.fingerprint == kit_fingerprint(kit):
        return True
    kit_request_build(kit=kit)
    return False


def kits_rebuild_for_asset(asset_id: int) -> None:
    """Schedule a build of every kit containing the asset (after commit)."""
    for kit in BrandKit.objects.filter(assets=asset_id).distinct():
        kit_request_build(kit=kit)


# --- Building -----------------------------------------------------------------


def kit_build(*, kit_id: int, force: bool = False) -> BrandKit | None:
    """Build the kit's zip unless it is current (or ``force``); return the kit.

    Safe to run twice at once: each build writes a zip of its own, and only a
    build whose content is still what the kit is made of is recorded (the kit's
    row is locked while the result is compared and saved). The zip it replaces
    is removed once the new one is recorded.
    """
    kit = BrandKit.objects.filter(pk=kit_id).first()
    if kit is None:
        return None
    plan = kit_plan(kit)
    if not force and kit_is_current(kit, plan.fingerprint):
        return kit
    BrandKit.objects.filter(pk=kit.pk).update(
        status=KitStatus.BUILDING, failure_reason=""
    )
    try:
        name, size = _write(plan)
    except KitBuildError as error:
        return _failed(kit, str(error))
    except STORAGE_ERRORS as error:
        # The task retries these with backoff; say so meanwhile.
        _failed(
            kit,
            _("存储服务暂时不可用（%(error)s），稍后将自动重试。") % {"error": error},
        )
        raise
    except Exception as error:
        _failed(kit, _("生成失败：%(error)s") % {"error": error})
        raise
    return _record(kit_id=kit.pk, plan=plan, name=name, size=size, force=force)


def _failed(kit: BrandKit, reason: str) -> BrandKit:
    logger.warning("Kit %s failed: %s", kit.pk, reason)
    BrandKit.objects.filter(pk=kit.pk).update(
        status=KitStatus.FAILED, failure_reason=reason
    )
    kit.refresh_from_db()
    return kit


def _record(*, kit_id: int, plan: KitPlan, name: str, size: int, force: bool):
    """Compare-and-set: record the zip only if it is still what the kit is
    made of and no build of the same content has been recorded meanwhile."""
    rebuild = False
    with transaction.atomic():
        kit = BrandKit.objects.select_for_update().get(pk=kit_id)
        if kit_plan(kit).fingerprint != plan.fingerprint:
            # The kit changed while this zip was written; it is out of date
            # already. Build again (a no-op if the change's build got there).
            discard, rebuild = name, True
        elif not force and kit_is_current(kit, plan.fingerprint):
            # A build of the same content finished first; keep its zip.
            discard = name
        else:
            discard = kit.file.name if kit.file.name != name else ""
            BrandKit.objects.filter(pk=kit.pk).update(
                file=name,
                size=size,
                fingerprint=plan.fingerprint,
                status=KitStatus.READY,
                failure_reason="",
                build_notes="\n".join(plan.notes),
                built_at=timezone.now(),
                build_count=F("build_count") + 1,
            )
        if discard:
            transaction.on_commit(lambda: _delete_quietly(discard))
        if rebuild:
            kit_request_build(kit=kit)
    kit.refresh_from_db()
    return kit


def _delete_quietly(name: str) -> None:
    try:
        default_storage.delete(name)
    except Exception:  # a leftover file is harmless; a failed build is not
        logger.warning("Could not remove old kit file %s", name, exc_info=True)


# Formats that are compressed already; deflating them again only costs time.
STORED_FORMATS = {
    VariantFormat.PNG,
    VariantFormat.JPEG,
    VariantFormat.GIF,
    VariantFormat.APNG,
    VariantFormat.WEBP,
    VariantFormat.VIDEO,
    VariantFormat.AUDIO,
}


def _write(plan: KitPlan) -> tuple[str, int]:
    """Write the zip to a temporary file, store it; its storage name and size."""
    kit = plan.kit
    built_at = timezone.localtime()
    with tempfile.TemporaryDirectory(prefix="brand-kit-") as work:
        local = Path(work) / "kit.zip"
        with zipfile.ZipFile(local, "w", allowZip64=True) as archive:
            packer = ZipPacker(archive, date_time=built_at.timetuple()[:6])
            for planned in plan.assets:
                digests = [
                    _pack_file(packer, planned_file) for planned_file in planned.files
                ]
                packer.add_bytes(
                    f"{planned.folder}/{GUIDE_NAME}",
                    usage_guide(planned, digests).encode(),
                )
            packer.add_bytes(
                MANIFEST_JSON_NAME,
                json.dumps(
                    _manifest_json(plan, packer, built_at), ensure_ascii=False, indent=2
                ).encode()
                + b"\n",
            )
            packer.write_manifest()
        size = local.stat().st_size
        with open(local, "rb") as stream:
            name = default_storage.save(
                kit_storage_name(kit, plan.fingerprint), File(stream, name=local.name)
            )
    return name, size


def _pack_file(packer: ZipPacker, planned: PlannedFile) -> str:
    try:
        source = planned.storage.open(planned.storage_name, "rb")
    except FileNotFoundError as error:
        raise KitBuildError(
            _("找不到文件“%(file)s”。") % {"file": planned.variant}
        ) from error
    with source:
        digest = packer.add_stream(
            planned.entry,
            source,
            size=planned.size,
            compress=planned.variant.format not in STORED_FORMATS,
        ).sha256
    if planned.sha256 and digest != planned.sha256:
        raise KitBuildError(
            _("文件“%(file)s”的内容与入库时的 SHA-256 不符，可能已损坏。")
            % {"file": planned.variant}
        )
    return digest


def usage_guide(planned: PlannedAsset, digests: list[str]) -> str:
    """The asset's usage guide as it goes into a kit, in Chinese."""
    asset, version = planned.asset, planned.version
    lines = [
        f"百嘎丽品牌资产 · {_('使用规范')}",
        "",
        f"{_('名称')}：{asset.name}",
        f"{_('类别')}：{asset.get_kind_display()}",
    ]
    if version is not None:
        approved = (
            timezone.localtime(version.approved_at).strftime("%Y-%m-%d")
            if version.approved_at
            else "—"
        )
        lines.append(
            _("版本：第 %(number)s 版（%(date)s 审定）")
            % {"number": version.number, "date": approved}
        )
    if asset.description:
        lines += ["", f"{_('简介')}：", asset.description]
    lines += ["", f"{_('使用规范')}：", asset.usage_guidance or _("（未填写）")]
    uses = "、".join(asset.allowed_use_labels()) or _("（未限定，请先联系品牌方）")
    lines += ["", f"{_('允许的用途')}：{uses}"]
    lines.append(f"{_('署名要求')}：{asset.attribution or _('无')}")
    lines += ["", _("文件清单（SHA-256）：")]
    for planned_file, digest in zip(planned.files, digests, strict=True):
        variant = planned_file.variant
        name = planned_file.entry.rsplit("/", 1)[-1]
        lines.append(
            f"{digest}  {name}  "
            f"[{variant.get_role_display()} · {variant.get_format_display()}]"
        )
    if not planned.files:
        lines.append(_("（无）"))
    if planned.notes:
        lines += ["", _("说明："), *planned.notes]
    lines += ["", _("如有疑问或需要其他用途的授权，请联系鄂尔多斯市科学技术协会。"), ""]
    return "\n".join(lines)


def _manifest_json(plan: KitPlan, packer: ZipPacker, built_at) -> dict:
    packed = packer.packed()
    return {
        "kit": plan.kit.name,
        "slug": plan.kit.slug,
        "description": plan.kit.description,
        "fingerprint": plan.fingerprint,
        "include_sources": plan.kit.include_sources,
        "built_at": built_at.isoformat(timespec="seconds"),
        "assets": [
            {
                "name": planned.asset.name,
                "slug": planned.asset.slug,
                "kind": planned.asset.kind,
                "version": planned.version.number if planned.version else None,
                "approved_at": planned.version.approved_at.isoformat()
                if planned.version and planned.version.approved_at
                else None,
                "guide": f"{planned.folder}/{GUIDE_NAME}",
                "files": [
                    {
                        "name": f.entry,
                        "role": f.variant.role,
                        "format": f.variant.format,
                        "size": packed[f.entry].size,
                        "sha256": packed[f.entry].sha256,
                    }
                    for f in planned.files
                ],
                "notes": planned.notes,
            }
            for planned in plan.assets
        ],
    }


# --- Public kits ----------------------------------------------------------------


def kit_is_public(kit: BrandKit) -> bool:
    """Whether anyone may download ``kit`` from the brand page: it is built,
    holds no design sources, and every asset in it is shown publicly,
    downloadable without a licence and approved."""
    if kit.status != KitStatus.READY or not kit.file.name:
        return False
    if kit.include_sources:
        # Design sources are for the team and licensees, never the public.
        return False
    assets = list(kit.assets.all())  # kits_public() prefetches their versions
    return bool(assets) and all(
        asset.is_public and asset.public_download and asset.approved_version is not None
        for asset in assets
    )


def kits_public() -> list[BrandKit]:
    """The kits the brand page offers, by name."""
    candidates = (
        BrandKit.objects.filter(status=KitStatus.READY, include_sources=False)
        .exclude(file="")
        .exclude(assets__is_public=False)
        .exclude(assets__public_download=False)
        .prefetch_related(
            Prefetch("assets", queryset=BrandAsset.objects.prefetch_approved_version())
        )
        .order_by("name")
    )
    return [kit for kit in candidates if kit_is_public(kit)]
