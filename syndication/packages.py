"""Delivery packages for platforms that take manual uploads.

A package is one zip: the MP4 made by the delivery profile's transcode
profile (or the audio file of a music work), the cover in every size the
profile asks for, the asset's subtitle tracks as WebVTT, the metadata as JSON
and XML, and the SHA-256 manifest (``media_pipeline.zip_packer``) the
platform checks what it received with.

Everything is read and written through ``default_storage`` (S3 or disk), and
the video is streamed into the zip in chunks, never held in memory.
"""

import io
import json
import posixpath
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from cms.core.deliverables import deliverable_media
from media_pipeline.models import MediaAsset, Rendition, SubtitleTrack
from media_pipeline.zip_packer import ZipPacker

from .deliverables import (
    delivery_media,
    delivery_subtitles,
    subtitle_entry,
    subtitle_file_name,
)
from .models import VISIBLE_TO_PARTNER, Delivery, DeliveryProfile
from .qc import (
    format_duration,
    page_credits,
    page_group,
    page_number,
    page_summary,
    page_topics,
    parse_size,
)

PACKAGE_PREFIX = "syndication/packages"
LANGUAGE = "zh-CN"
COVER_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
COVER_QUALITY = 90


def package_version(delivery: Delivery) -> int:
    """The version a package built now belongs to: the one delivered, or the
    next one when the delivery is still on its way out."""
    # Out with the platform: the current version has gone out; before that
    # a package is for the version about to be delivered.
    if delivery.state in VISIBLE_TO_PARTNER:
        return max(delivery.version, 1)
    return delivery.version + 1


def package_folder(delivery: Delivery, version: int | None = None) -> str:
    folder = f"{PACKAGE_PREFIX}/{delivery.pk}"
    return folder if version is None else f"{folder}/{version}"


def package_name(delivery: Delivery, version: int) -> str:
    file_name = f"{delivery.platform.slug}-{delivery.pk}-v{version}.zip"
    return f"{package_folder(delivery, version)}/{file_name}"


def package_list(delivery: Delivery) -> list[dict]:
    """The packages built for a delivery, newest version first."""
    folder = package_folder(delivery)
    try:
        versions, _files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    packages = []
    for version in versions:
        if not version.isdigit():
            continue
        _dirs, files = default_storage.listdir(f"{folder}/{version}")
        for file_name in files:
            if file_name.endswith(".zip"):
                name = f"{folder}/{version}/{file_name}"
                packages.append(
                    {
                        "name": name,
                        "file_name": file_name,
                        "version": int(version),
                        "size": default_storage.size(name),
                    }
                )
    return sorted(packages, key=lambda p: (-p["version"], p["file_name"]))


def package_media(
    asset: MediaAsset | None, profile: DeliveryProfile
) -> Rendition | None:
    """The file a platform gets: the MP4 (or a work's audio) that the
    profile's transcode profile made of the asset; None until it exists."""
    return delivery_media(asset, profile.transcode_profile)


def package_metadata(delivery: Delivery, *, version: int) -> dict:
    """What the sidecar says about the item; also the API's idea of an item."""
    page = delivery.page.specific
    group = page_group(page)
    asset = delivery.asset or deliverable_media(page)
    media = package_media(asset, delivery.profile)
    duration = (media.duration if media else None) or (
        asset.duration if asset else None
    )
    return {
        "title": page.title,
        "description": page_summary(page),
        "credits": [{"role": role, "name": name} for role, name in page_credits(page)],
        "producing_unit": getattr(page, "producing_unit", "") or "",
        "rights_holder": getattr(page, "rights_holder", "") or "",
        "duration_seconds": round(duration, 3) if duration else None,
        "duration": format_duration(duration) if duration else "",
        "language": LANGUAGE,
        "programme_or_series": group.title if group else "",
        "programme_or_series_type": str(group._meta.verbose_name) if group else "",
        "episode_number": page_number(page),
        "content_type": str(page._meta.verbose_name),
        "topics": page_topics(page),
        "url": page.full_url or "",
        "platform": delivery.platform.name,
        "profile": delivery.profile.name,
        "delivery_id": delivery.pk,
        "version": version,
        "source_sha256": asset.sha256 if asset else "",
        "transcode_profile": delivery.profile.transcode_profile.slug,
        "subtitles": [subtitle_entry(track) for track in delivery_subtitles(asset)],
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
    }


def metadata_xml(metadata: dict) -> bytes:
    root = ET.Element("delivery-package", {"version": "1"})
    for key, value in metadata.items():
        if key == "credits":
            credits = ET.SubElement(root, "credits")
            for credit in value:
                ET.SubElement(
                    credits, "credit", {"role": credit["role"]}
                ).text = credit["name"]
        elif key in ("topics", "notes"):
            items = ET.SubElement(root, key.replace("_", "-"))
            for item in value:
                ET.SubElement(items, key[:-1]).text = str(item)
        elif isinstance(value, list):
            items = ET.SubElement(root, key.replace("_", "-"))
            tag = "track" if key == "subtitles" else "file"
            for item in value:
                ET.SubElement(items, tag, {k: str(v) for k, v in item.items()})
        else:
            ET.SubElement(root, key.replace("_", "-")).text = (
                "" if value is None else str(value)
            )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def cover_image(image, size: tuple[int, int]) -> bytes:
    """The cover cropped to fill ``size`` exactly, as a JPEG."""
    with (
        default_storage.open(image.file.name, "rb") as stream,
        # Only formats we mean to read, as Wagtail's own image handling does.
        Image.open(stream, formats=sorted(COVER_FORMATS)) as source,
    ):
        picture = ImageOps.exif_transpose(source).convert("RGB")
    fitted = ImageOps.fit(picture, size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    fitted.save(buffer, format="JPEG", quality=COVER_QUALITY, optimize=True)
    return buffer.getvalue()


def package_build(*, delivery: Delivery) -> str:
    """Build the package of ``delivery`` and store it; return its storage name.

    Building the same version again replaces the earlier zip.
    """
    delivery = Delivery.objects.select_related("page", "platform", "profile").get(
        pk=delivery.pk
    )
    page = delivery.page.specific
    version = package_version(delivery)
    asset = delivery.asset or deliverable_media(page)
    base = f"{delivery.platform.slug}-{delivery.pk}-v{version}"
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="syndication-package-") as work:
        local = Path(work) / f"{base}.zip"
        with zipfile.ZipFile(local, "w", allowZip64=True) as archive:
            packer = ZipPacker(archive, date_time=timezone.localtime().timetuple()[:6])
            media = package_media(asset, delivery.profile)
            media_entry = None
            if media is None:
                notes.append(_("没有可交付的音视频文件。"))
            else:
                extension = posixpath.splitext(media.name)[1] or ".mp4"
                media_entry = f"{base}{extension}"
                with default_storage.open(media.name, "rb") as source:
                    packer.add_stream(
                        media_entry, source, size=media.size, compress=False
                    )
            covers = _add_covers(packer, page, delivery, notes)
            subtitles = _add_subtitles(packer, asset, base, notes)
            metadata = package_metadata(delivery, version=version)
            metadata["subtitles"] = [
                subtitle_entry(track, name) for track, name in subtitles
            ]
            packed = packer.packed()

            def entry(role: str, name: str | None, **extra) -> dict:
                if not name:
                    return {"role": role, "name": ""}
                packed_file = packed[name]
                return {
                    "role": role,
                    "name": name,
                    **extra,
                    "size": packed_file.size,
                    "sha256": packed_file.sha256,
                }

            metadata["files"] = [
                entry("media", media_entry),
                *(entry("cover", name) for name in covers),
                *(
                    entry("subtitles", name, language=track.language)
                    for track, name in subtitles
                ),
            ]
            metadata["notes"] = notes
            packer.add_bytes(
                "metadata.json",
                json.dumps(metadata, ensure_ascii=False, indent=2).encode() + b"\n",
            )
            packer.add_bytes("metadata.xml", metadata_xml(metadata))
            packer.write_manifest()
        name = package_name(delivery, version)
        if default_storage.exists(name):
            default_storage.delete(name)
        with open(local, "rb") as stream:
            return default_storage.save(name, File(stream, name=local.name))


def _add_covers(packer: ZipPacker, page, delivery: Delivery, notes: list[str]):
    cover = getattr(page, "cover", None)
    if cover is None:
        notes.append(_("页面没有封面图。"))
        return []
    sizes = [parse_size(s) for s in delivery.profile.cover_sizes or []]
    sizes = [s for s in sizes if s] or [(cover.width, cover.height)]
    names = []
    for width, height in sizes:
        name = f"cover-{width}x{height}.jpg"
        try:
            data = cover_image(cover, (width, height))
        except (OSError, ValueError, Image.DecompressionBombError):
            notes.append(_("封面图无法读取，未能生成 %(size)s。") % {"size": name})
            continue
        packer.add_bytes(name, data, compress=False)
        names.append(name)
    return names


def _add_subtitles(
    packer: ZipPacker, asset: MediaAsset | None, base: str, notes: list[str]
) -> list[tuple[SubtitleTrack, str]]:
    """The asset's subtitle tracks, as stored (WebVTT), named by language."""
    tracks = delivery_subtitles(asset)
    if not tracks:
        notes.append(_("媒体没有字幕文件，本包不含字幕。"))
        return []
    added = []
    for track in tracks:
        name = subtitle_file_name(base, track)
        with default_storage.open(track.file.name, "rb") as source:
            packer.add_bytes(name, source.read())
        added.append((track, name))
    return added
