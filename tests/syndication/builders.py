"""Builders for the ledger, QC, package, report and admin tests.

Media is built as the pipeline leaves it — a MediaAsset with its probe facts
and measured loudness, and a job published through the job services with its
Rendition rows — without running ffmpeg; the files a package needs are saved
through default_storage. Pages are real pages of the demo site, published.

These are plain functions, not fixtures: each test module declares the few
fixtures it needs on top of them.
"""

from __future__ import annotations

import hashlib
import io
import secrets

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from wagtail.images import get_image_model

from media_pipeline.models import (
    AssetStatus,
    MediaAsset,
    MediaKind,
    RenditionKind,
    TranscodeProfile,
)
from media_pipeline.outputs import OutputFile
from media_pipeline.services.jobs import job_claim, job_publish, job_request
from syndication.models import DeliveryMethod, DeliveryProfile, Platform
from syndication.services import delivery_create
from tests.conftest import make_user

MANAGERS = "分发管理"
# Enough bytes to stream in several chunks and to notice a truncated copy.
MP4_BYTES = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 5000


def make_manager(username: str = "syndication-manager"):
    """A syndication manager: the 分发管理 group and nothing else."""
    return make_user(username, groups=[MANAGERS])


def private_storage(settings, tmp_path):
    """Point default_storage (on disk) at a folder of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def platform(slug: str = "kepu-china") -> Platform:
    return Platform.objects.get(slug=slug)


def transcode_profile(**fields) -> TranscodeProfile:
    """The seeded standard profile, or a new one with ``fields`` changed."""
    standard = TranscodeProfile.objects.get(slug="standard")
    if not fields:
        return standard
    suffix = secrets.token_hex(3)
    return TranscodeProfile.objects.create(
        name=f"测试方案 {suffix}",
        slug=f"test-{suffix}",
        **{
            "loudness_target": standard.loudness_target,
            "true_peak_limit": standard.true_peak_limit,
            **fields,
        },
    )


def delivery_profile(
    target: Platform | None = None, *, method=DeliveryMethod.PULL, **fields
) -> DeliveryProfile:
    """A profile that a well-made 1080p short video of three minutes meets:
    the seeded norms without subtitles (``add_subtitles`` adds a track), its
    file made by the standard profile the builders publish with."""
    target = target or platform()
    values = {
        "name": f"测试规格 {secrets.token_hex(3)}",
        "transcode_profile": transcode_profile(),
        "method": method,
        "container": "mp4",
        "video_codec": "h264",
        "audio_codec": "aac",
        "min_height": 1080,
        "accepted_aspects": ["16:9"],
        "min_duration": 120,
        "max_duration": 300,
        "loudness_tolerance": 2.0,
        "required_metadata": [
            "credits",
            "producing_unit",
            "rights_holder",
            "cover",
            "summary",
        ],
        "cover_sizes": ["1920x1080", "640x360"],
        "spec_verified": True,
        **fields,
    }
    return DeliveryProfile.objects.create(platform=target, **values)


def build_asset(
    *,
    title: str = "测试视频",
    width: int = 1920,
    height: int = 1080,
    duration: float = 180.0,
    loudness: float | None = -19.5,
    true_peak: float | None = -1.2,
    audio_codec: str = "aac",
    kind: str = MediaKind.VIDEO,
    published_with: TranscodeProfile | None = None,
    mp4_height: int | None = None,
    store_files: bool = False,
    mp4_bytes: bytes = MP4_BYTES,
) -> MediaAsset:
    """A ready asset as the pipeline leaves it: the original's probe facts
    and loudness, and a published job whose MP4 is ``mp4_height`` high (by
    default the original's size)."""
    sha256 = hashlib.sha256(secrets.token_bytes(16)).hexdigest()
    asset = MediaAsset.objects.create(
        title=title,
        kind=kind,
        original=f"media/originals/{sha256[:2]}/{sha256}/source.mp4",
        original_filename="source.mp4",
        sha256=sha256,
        size=123_456_789,
        container="mov,mp4,m4a,3gp,3g2,mj2",
        duration=duration,
        width=width if kind == MediaKind.VIDEO else None,
        height=height if kind == MediaKind.VIDEO else None,
        frame_rate=25.0 if kind == MediaKind.VIDEO else None,
        video_codec="h264" if kind == MediaKind.VIDEO else "",
        audio_codec=audio_codec,
        loudness_integrated=loudness,
        loudness_range=6.0 if loudness is not None else None,
        loudness_true_peak=true_peak,
    )
    publish_job(
        asset,
        published_with or transcode_profile(),
        width=width,
        height=height,
        duration=duration,
        kind=kind,
        mp4_height=mp4_height,
        store_files=store_files,
        mp4_bytes=mp4_bytes,
    )
    asset.refresh_from_db()
    assert asset.status == AssetStatus.READY
    return asset


def publish_job(
    asset: MediaAsset,
    profile: TranscodeProfile,
    *,
    width: int = 1920,
    height: int = 1080,
    duration: float = 180.0,
    kind: str = MediaKind.VIDEO,
    mp4_height: int | None = None,
    store_files: bool = False,
    mp4_bytes: bytes = MP4_BYTES,
):
    """The job of ``profile`` over ``asset`` (the one there is, or a new one)
    finished and published through the job services, as a worker leaves it."""
    job = job_claim(
        job_id=job_request(asset=asset, profile=profile, dispatch=False).pk,
        worker="tests",
    )
    if kind == MediaKind.VIDEO:
        mp4_height = mp4_height or height
        mp4_width = round(width * mp4_height / height / 2) * 2
        outputs = [
            OutputFile(
                "download.mp4",
                RenditionKind.MP4,
                len(mp4_bytes),
                width=mp4_width,
                height=mp4_height,
                bitrate=4_000_000,
                duration=duration,
            ),
            OutputFile(
                "poster.jpg",
                RenditionKind.POSTER,
                10,
                width=mp4_width,
                height=mp4_height,
            ),
        ]
        files = {"download.mp4": mp4_bytes}
    else:
        outputs = [
            OutputFile(
                "audio.m4a",
                RenditionKind.M4A,
                len(mp4_bytes),
                bitrate=128_000,
                duration=duration,
            )
        ]
        files = {"audio.m4a": mp4_bytes}
    if store_files:
        for relative, content in files.items():
            name = f"{job.output_prefix}/{relative}"
            assert default_storage.save(name, ContentFile(content)) == name
    assert job_publish(job=job, outputs=outputs)
    job.refresh_from_db()
    return job


SRT_ZH = (
    "1\n00:00:01,000 --> 00:00:04,500\n古如歌是蒙古族的长调民歌。\n\n"
    "2\n00:00:05,000 --> 00:00:09,000\n它的发声方法里藏着声学的道理。\n"
)


def add_subtitles(
    asset: MediaAsset,
    language: str = "zh-Hans",
    *,
    content: str = SRT_ZH,
    filename: str = "subtitles.srt",
    kind: str = "subtitles",
):
    """A subtitle track added through the service, as an upload would be."""
    from media_pipeline.services.subtitles import subtitle_track_add

    return subtitle_track_add(
        asset=asset,
        source=io.BytesIO(content.encode()),
        filename=filename,
        language=language,
        kind=kind,
    )


def cover_image(title: str = "测试封面", size=(1920, 1080)):
    """A Wagtail image saved through default_storage."""
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (30, 90, 160)).save(buffer, format="PNG")
    name = f"cover-{secrets.token_hex(4)}.png"
    return get_image_model().objects.create(
        title=title, file=ImageFile(buffer, name=name)
    )


def short_video(
    title: str = "测试短视频",
    *,
    asset: MediaAsset | None = None,
    credits=(("陈思源", "director"), ("其木格", "presenter")),
    cover=True,
    summary: str = "古如歌的长调与发声的声学原理。",
    producing_unit: str = "鄂尔多斯市科学技术协会",
    rights_holder: str = "鄂尔多斯市科学技术协会",
):
    """A new published short video in the demo series."""
    from cms.people.models import Person
    from cms.videos.models import ShortVideoCredit, ShortVideoPage, VideoSeriesPage

    series = VideoSeriesPage.objects.order_by("path").first()
    number = ShortVideoPage.objects.child_of(series).count() + 1
    page = ShortVideoPage(
        title=title,
        slug=f"syndication-test-{secrets.token_hex(4)}",
        number_in_series=number,
        summary=summary,
        producing_unit=producing_unit,
        rights_holder=rights_holder,
        media_asset=asset,
        cover=cover_image() if cover is True else cover or None,
    )
    page.credits = [
        # In the order given, as the editor's form numbers them.
        ShortVideoCredit(
            person=Person.objects.get(name=name), role=role, sort_order=index
        )
        for index, (name, role) in enumerate(credits)
    ]
    series.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def good_delivery(*, profile: DeliveryProfile | None = None, **asset_fields):
    """A draft delivery of a well-made short video to a profile it meets."""
    asset = build_asset(**asset_fields)
    page = short_video(asset=asset)
    return delivery_create(page=page, profile=profile or delivery_profile())
