"""A delivery's file is made by its profile's transcode profile, through the
media pipeline's own jobs: QC asks for the job when the file is missing, in
the same action, and judges and packs that file, never the web rendition.
Subtitles and the producing unit and rights holder go with it."""

import hashlib
import io
import json
import xml.etree.ElementTree as ET
import zipfile

import pytest
from django.core.files.storage import default_storage

from media_pipeline.ladder import choose_rungs
from media_pipeline.models import AssetStatus, JobStatus, TranscodeProfile
from media_pipeline.services.jobs import job_cancel, job_claim, job_fail
from media_pipeline.zip_packer import MANIFEST_NAME, read_manifest
from syndication.models import (
    DeliveryMethod,
    DeliveryProfile,
    DeliveryState,
    Via,
)
from syndication.packages import (
    package_build,
)
from syndication.qc import qc_check, qc_passed
from syndication.services import delivery_create
from syndication.workflow import delivery_run_qc

from .builders import (
    MP4_BYTES,
    add_subtitles,
    build_asset,
    platform,
    private_storage,
    publish_job,
    short_video,
)

pytestmark = pytest.mark.django_db
S = DeliveryState
DELIVERY_MP4 = b"\x00\x00\x00\x18ftypisom" + b"mezzanine-1080p" * 4000


@pytest.fixture
def package_storage(settings, tmp_path):
    return private_storage(settings, tmp_path)


def delivery_transcode() -> TranscodeProfile:
    return TranscodeProfile.objects.get(slug="delivery-1080p")


def errors(findings) -> dict[str, str]:
    return {f.code: f.message for f in findings if f.is_error}


def seeded(slug: str = "kepu-china", **changes) -> DeliveryProfile:
    """The seeded profile of a platform, changed only as a test says."""
    profile = platform(slug).profiles.get(name="科普微视频（待核实）")
    for name, value in changes.items():
        setattr(profile, name, value)
    if changes:
        profile.save()
    return profile


def test_the_seeded_1080p_profiles_use_the_delivery_transcode_profile(demo):
    made = delivery_transcode()
    assert made.ladder == [{"height": 1080, "video_kbps": 7800, "max_fps": 60}]
    assert made.download_height == 1080
    assert (made.h264_profile, made.audio_sample_rate) == ("high", 48000)
    assert (made.loudness_target, made.true_peak_limit) == (-24.0, -2.0)
    assert not made.is_default
    for slug in ("yangshipin", "kepu-china", "yunshang-kepu"):
        profile = seeded(slug)
        assert profile.min_height == 1080
        assert profile.transcode_profile == made
    # Never upscaled: a 720p original gives one 720p rung, not a blown-up 1080p.
    assert [(r.width, r.height) for r in choose_rungs(1280, 720, 25, made)] == [
        (1280, 720)
    ]
    assert [(r.width, r.height) for r in choose_rungs(1920, 1080, 25, made)] == [
        (1920, 1080)
    ]


def test_qc_starts_the_delivery_file_in_the_same_action(demo, package_storage):
    # Published on the site with the standard ladder (a 720p MP4) only.
    asset = build_asset(mp4_height=720)
    add_subtitles(asset)
    page = short_video(asset=asset)
    delivery = delivery_create(page=page, profile=seeded())

    delivery = delivery_run_qc(delivery=delivery, via=Via.SYSTEM)

    assert delivery.state == S.QC_FAILED
    job = asset.jobs.get(profile=delivery_transcode())
    assert job.status == JobStatus.QUEUED and job.source_sha256 == asset.sha256
    found = {f["code"]: f for f in delivery.qc_report}
    assert found["delivery_file_pending"]["message"] == (
        "正在按转码方案“平台交付 1080p（GY/T 282-2014，−24 LKFS）”生成交付文件"
        "（排队中，0%）：完成后系统会自动重新质检。"
    )
    # Judged on the original until the file exists, not on the web MP4.
    assert "resolution" not in found
    # The web renditions stay published and the asset stays on the site.
    asset.refresh_from_db()
    assert asset.status == AssetStatus.READY
    assert asset.published_job.profile.slug == "standard"

    # Asking again is the same job, not a second one.
    delivery = delivery_run_qc(delivery=delivery, via=Via.SYSTEM)
    assert asset.jobs.filter(profile=delivery_transcode()).count() == 1

    publish_job(asset, delivery_transcode(), mp4_bytes=DELIVERY_MP4)
    delivery = delivery_run_qc(delivery=delivery, via=Via.SYSTEM)

    assert delivery.state == S.READY, delivery.qc_report
    assert [f["code"] for f in delivery.qc_report] == ["profile_unverified"]
    asset.refresh_from_db()
    assert asset.published_job.profile.slug == "standard"


def test_qc_says_when_the_delivery_file_failed_or_was_cancelled(demo):
    asset = build_asset()
    page = short_video(asset=asset)
    delivery = delivery_create(page=page, profile=seeded())
    delivery_run_qc(delivery=delivery, via=Via.SYSTEM)
    job = asset.jobs.get(profile=delivery_transcode())

    job = job_claim(job_id=job.pk, worker="tests")
    job_fail(job=job, reason="转码进程被系统终止。", permanent=True)
    found = errors(qc_check(delivery))
    assert "生成交付文件失败（转码进程被系统终止。）" in found["delivery_file_failed"]
    assert "重新运行该任务" in found["delivery_file_failed"]
    asset.refresh_from_db()
    assert asset.status == AssetStatus.READY and not asset.failure_reason

    job.refresh_from_db()
    job.status = JobStatus.QUEUED
    job.save(update_fields=["status"])
    assert job_cancel(job=job)
    assert "任务已取消" in errors(qc_check(delivery))["delivery_file_failed"]


def test_no_delivery_file_is_made_of_an_original_that_cannot_pass(demo):
    asset = build_asset(width=1280, height=720)
    page = short_video(asset=asset)
    delivery = delivery_run_qc(
        delivery=delivery_create(page=page, profile=seeded()), via=Via.SYSTEM
    )
    found = {f["code"]: f["message"] for f in delivery.qc_report}
    assert "原片只有 720p（1280×720）" in found["resolution"]
    assert "原片符合要求时" in found["delivery_file_missing"]
    assert not asset.jobs.filter(profile=delivery_transcode()).exists()


@pytest.mark.parametrize(
    ("page_fields", "subtitles", "code", "words"),
    [
        ({}, (), "missing_subtitles", "请在媒体库“测试视频”页面上传简体中文字幕"),
        ({}, ("en",), "missing_subtitles", "只有英语字幕，平台要求中文字幕"),
        ({"producing_unit": ""}, ("zh-Hans",), "missing_producing_unit", "出品单位"),
        ({"rights_holder": ""}, ("zh-Hans",), "missing_rights_holder", "版权方"),
    ],
)
def test_a_seeded_profile_refuses_what_it_requires_and_is_missing(
    demo, package_storage, page_fields, subtitles, code, words
):
    asset = build_asset(published_with=delivery_transcode())
    for language in subtitles:
        add_subtitles(asset, language)
    page = short_video(asset=asset, **page_fields)
    delivery = delivery_create(page=page, profile=seeded())

    found = errors(qc_check(delivery))

    assert list(found) == [code], found
    assert words in found[code]
    assert "：" in found[code], "每条都说明怎么改"


def test_subtitles_of_another_cut_are_a_warning(demo, package_storage):
    asset = build_asset(published_with=delivery_transcode(), duration=6.0)
    add_subtitles(asset)  # its last cue ends at 9 s
    delivery = delivery_create(
        page=short_video(asset=asset),
        profile=seeded(min_duration=None, max_duration=None),
    )
    findings = qc_check(delivery)
    assert qc_passed(findings), [f.message for f in findings]
    overrun = next(f for f in findings if f.code == "subtitles_overrun")
    assert "结束于 9 秒，晚于媒体的时长 6 秒" in overrun.message


def test_the_package_holds_the_delivery_file_and_the_subtitles(demo, package_storage):
    profile = seeded("yangshipin")
    assert profile.method == DeliveryMethod.PACKAGE
    asset = build_asset(store_files=True)  # the web MP4 is MP4_BYTES
    zh = add_subtitles(asset)
    cc = add_subtitles(
        asset,
        content="WEBVTT\n\n00:01.000 --> 00:02.000\n[掌声]\n",
        filename="cc.vtt",
        kind="captions",
    )
    en = add_subtitles(asset, "en")
    page = short_video("鄂尔多斯古如歌（交付包）", asset=asset)
    publish_job(asset, delivery_transcode(), store_files=True, mp4_bytes=DELIVERY_MP4)
    delivery = delivery_run_qc(
        delivery=delivery_create(page=page, profile=profile), via=Via.SYSTEM
    )
    assert delivery.state == S.READY, delivery.qc_report

    with default_storage.open(package_build(delivery=delivery), "rb") as stream:
        archive = zipfile.ZipFile(io.BytesIO(stream.read()))

    base = f"yangshipin-{delivery.pk}-v1"
    assert archive.read(f"{base}.mp4") == DELIVERY_MP4 != MP4_BYTES
    manifest = read_manifest(archive)
    names = {
        zh: f"{base}.zh-Hans.vtt",
        cc: f"{base}.zh-Hans.captions.vtt",
        en: f"{base}.en.vtt",
    }
    for track, name in names.items():
        with default_storage.open(track.file.name, "rb") as stored:
            content = stored.read()
        assert archive.read(name) == content
        assert manifest[name] == track.sha256 == hashlib.sha256(content).hexdigest()
    assert set(manifest) == set(archive.namelist()) - {MANIFEST_NAME}

    metadata = json.loads(archive.read("metadata.json"))
    assert metadata["transcode_profile"] == "delivery-1080p"
    assert [s["name"] for s in metadata["subtitles"]] == [
        names[zh],
        names[cc],
        names[en],
    ]
    assert metadata["subtitles"][0] == {
        "language": "zh-Hans",
        "label": "简体中文",
        "kind": "subtitles",
        "format": "text/vtt",
        "cues": 2,
        "sha256": zh.sha256,
        "size": zh.size,
        "name": names[zh],
    }
    files = {f["name"]: f for f in metadata["files"]}
    assert files[names[en]]["role"] == "subtitles"
    assert files[names[en]]["sha256"] == en.sha256
    assert files[f"{base}.mp4"]["sha256"] == manifest[f"{base}.mp4"]
    assert not any("字幕" in note for note in metadata["notes"])
    assert metadata["producing_unit"] == "鄂尔多斯市科学技术协会"
    assert metadata["rights_holder"] == "鄂尔多斯市科学技术协会"

    root = ET.fromstring(archive.read("metadata.xml"))
    tracks = root.find("subtitles").findall("track")
    assert [(t.get("language"), t.get("name"), t.get("sha256")) for t in tracks] == [
        ("zh-Hans", names[zh], zh.sha256),
        ("zh-Hans", names[cc], cc.sha256),
        ("en", names[en], en.sha256),
    ]
    assert root.findtext("rights-holder") == "鄂尔多斯市科学技术协会"
