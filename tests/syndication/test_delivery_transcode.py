"""End to end with real media: a 1080p clip generated with ffmpeg, ingested
and published with the standard ladder, delivered to a seeded profile. QC
starts the delivery transcode, the real pipeline runs it, QC then passes and
the package carries that file; ffprobe, not our code, says what the file is.

The clip lasts 3 seconds to spare the machine, so the seeded profile's 2–5
minute window is lifted; everything else is the profile as seeded.
"""

import io
import shutil
import zipfile
from contextlib import redirect_stdout

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from media_pipeline.models import JobStatus, MediaAsset
from media_pipeline.pipeline import job_run
from media_pipeline.zip_packer import read_manifest
from syndication.deliverables import delivery_media
from syndication.models import DeliveryState, Via
from syndication.packages import package_build
from syndication.qc import qc_check
from syndication.services import delivery_create
from syndication.workflow import delivery_run_qc
from tests.media_pipeline.media import make_video, probe_streams, top_level_boxes

from .builders import add_subtitles, platform, private_storage, short_video

pytestmark = pytest.mark.django_db
S = DeliveryState
SRT = (
    "1\n00:00:00,200 --> 00:00:01,400\n古如歌是蒙古族的长调民歌。\n\n"
    "2\n00:00:01,500 --> 00:00:02,800\n发声里藏着声学的道理。\n"
)


@pytest.fixture
def package_storage(settings, tmp_path):
    return private_storage(settings, tmp_path)


def ingest(path) -> MediaAsset:
    out = io.StringIO()
    with redirect_stdout(out):
        call_command("ingest", str(path), "--wait", "--title", "古如歌", stdout=out)
    return MediaAsset.objects.get(pk=int(out.getvalue().split()[-1]))


def test_a_real_1080p_delivery_meets_a_seeded_profile(demo, package_storage, tmp_path):
    clip = make_video(tmp_path / "guruge.mp4", width=1920, height=1080, seconds=3)
    asset = ingest(clip)
    assert asset.published_job.profile.slug == "standard"
    track = add_subtitles(asset, content=SRT)
    page = short_video("鄂尔多斯古如歌（真转码交付）", asset=asset)
    profile = platform("yangshipin").profiles.get(name="科普微视频（待核实）")
    profile.min_duration = profile.max_duration = None
    profile.save()
    assert profile.transcode_profile.slug == "delivery-1080p"
    delivery = delivery_create(page=page, profile=profile)

    delivery = delivery_run_qc(delivery=delivery, via=Via.SYSTEM)

    assert delivery.state == S.QC_FAILED
    assert [f["code"] for f in delivery.qc_report if f["severity"] == "error"] == [
        "delivery_file_pending"
    ]
    job = asset.jobs.get(profile=profile.transcode_profile)
    assert job.status == JobStatus.QUEUED

    assert job_run(job_id=job.pk, worker="tests") == "succeeded"
    delivery = delivery_run_qc(delivery=delivery, via=Via.SYSTEM)

    assert delivery.state == S.READY, delivery.qc_report
    assert [f["code"] for f in delivery.qc_report] == ["profile_unverified"]
    asset.refresh_from_db()
    assert asset.published_job.profile.slug == "standard"  # the site is unchanged

    mp4 = delivery_media(asset, profile.transcode_profile)
    assert (mp4.width, mp4.height) == (1920, 1080)
    local = tmp_path / "delivery.mp4"
    with default_storage.open(mp4.name, "rb") as source, open(local, "wb") as out:
        shutil.copyfileobj(source, out)
    streams = {s["codec_type"]: s for s in probe_streams(local)["streams"]}
    video, audio = streams["video"], streams["audio"]
    assert (video["codec_name"], video["profile"]) == ("h264", "High")
    assert (video["width"], video["height"]) == (1920, 1080)
    assert (audio["codec_name"], audio["sample_rate"], audio["channels"]) == (
        "aac",
        "48000",
        2,
    )
    boxes = top_level_boxes(local)
    assert boxes.index("moov") < boxes.index("mdat"), boxes  # fast start

    with default_storage.open(package_build(delivery=delivery), "rb") as stream:
        archive = zipfile.ZipFile(io.BytesIO(stream.read()))
    base = f"yangshipin-{delivery.pk}-v1"
    assert archive.read(f"{base}.mp4") == local.read_bytes()
    manifest = read_manifest(archive)
    assert manifest[f"{base}.zh-Hans.vtt"] == track.sha256

    # What the profile requires and the item lacks is refused, with reasons.
    track.delete()
    page.producing_unit = ""
    page.rights_holder = ""
    page.save_revision().publish()
    found = {f.code: f.message for f in qc_check(delivery) if f.is_error}
    assert set(found) == {
        "missing_subtitles",
        "missing_producing_unit",
        "missing_rights_holder",
    }
    assert "上传简体中文字幕" in found["missing_subtitles"]
