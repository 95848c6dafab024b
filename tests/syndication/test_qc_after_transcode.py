"""QC runs again by itself when the media pipeline finishes the delivery file
a delivery was waiting for: the file made, it passes; the job failed for good,
the finding says why and what to do. Deliveries that went out, and jobs that
make some other file, are left alone.

The pipeline announces the end of a job once it is committed; the receiver
queues the ``rerun_qc`` task, which these tests run as a worker would.
"""

import io
from contextlib import redirect_stdout
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from media_pipeline.models import JobStatus, MediaAsset, TranscodeProfile
from media_pipeline.pipeline import job_run
from media_pipeline.services.jobs import job_claim, job_fail, job_request, job_rerun
from media_pipeline.signals import job_finished
from syndication.models import DeliveryProfile, DeliveryState, Via
from syndication.services import delivery_create, delivery_transition
from syndication.tasks import rerun_qc
from syndication.workflow import delivery_run_qc
from tests.media_pipeline.media import make_video

from .builders import (
    add_subtitles,
    build_asset,
    delivery_profile,
    platform,
    private_storage,
    publish_job,
    short_video,
    transcode_profile,
)

pytestmark = pytest.mark.django_db
S = DeliveryState
DELIVERY_MP4 = b"\x00\x00\x00\x18ftypisom" + b"mezzanine-1080p" * 4000


@pytest.fixture
def storage(settings, tmp_path):
    return private_storage(settings, tmp_path)


@pytest.fixture
def scheduled():
    """The QC runs queued (``rerun_qc.apply_async`` calls), not sent."""
    with mock.patch.object(rerun_qc, "apply_async") as apply_async:
        yield apply_async


def queued(apply_async) -> list[tuple[int, int]]:
    for call in apply_async.call_args_list:
        assert call.kwargs["queue"] == "default"
    return [tuple(call.kwargs["args"]) for call in apply_async.call_args_list]


def delivery_transcode() -> TranscodeProfile:
    return TranscodeProfile.objects.get(slug="delivery-1080p")


def seeded(slug: str = "kepu-china") -> DeliveryProfile:
    """A platform's seeded profile: its file is made by delivery-1080p."""
    return platform(slug).profiles.get(name="科普微视频（待核实）")


def waiting_delivery(slug: str = "kepu-china", *, asset=None):
    """A delivery whose QC started its file and says it is under way."""
    asset = asset or build_asset(mp4_height=720)
    add_subtitles(asset)
    page = short_video(asset=asset)
    delivery = delivery_run_qc(
        delivery=delivery_create(page=page, profile=seeded(slug)), via=Via.SYSTEM
    )
    assert delivery.state == S.QC_FAILED
    assert [f["code"] for f in delivery.qc_report if f["severity"] == "error"] == [
        "delivery_file_pending"
    ]
    return delivery, asset.jobs.get(profile=delivery.profile.transcode_profile)


def asset_jobs(job) -> list[str]:
    return list(
        job.asset.jobs.filter(profile=job.profile).values_list("status", flat=True)
    )


def ingest(path) -> MediaAsset:
    out = io.StringIO()
    with redirect_stdout(out):
        call_command("ingest", str(path), "--wait", "--title", "古如歌", stdout=out)
    return MediaAsset.objects.get(pk=int(out.getvalue().split()[-1]))


def test_a_real_delivery_transcode_makes_the_waiting_delivery_ready(
    demo, storage, tmp_path, scheduled, django_capture_on_commit_callbacks
):
    # A small clip and a profile made for it, to spare the shared machine:
    # the real pipeline, ffmpeg included, from QC to ready.
    asset = ingest(make_video(tmp_path / "clip.mp4", width=320, height=180, seconds=2))
    made = transcode_profile(
        ladder=[{"height": 180, "video_kbps": 300, "max_fps": 30}],
        download_height=180,
    )
    profile = delivery_profile(
        transcode_profile=made,
        min_height=180,
        min_duration=None,
        max_duration=None,
        required_metadata=[],
        cover_sizes=[],
    )
    page = short_video(asset=asset)
    delivery = delivery_run_qc(
        delivery=delivery_create(page=page, profile=profile), via=Via.SYSTEM
    )
    assert delivery.state == S.QC_FAILED
    assert [f["code"] for f in delivery.qc_report] == ["delivery_file_pending"]
    job = asset.jobs.get(profile=made)

    with django_capture_on_commit_callbacks(execute=True):
        assert job_run(job_id=job.pk, worker="tests") == "succeeded"

    assert queued(scheduled) == [(delivery.pk, job.pk)]
    assert rerun_qc(delivery.pk, job.pk) == S.READY
    delivery.refresh_from_db()
    assert delivery.state == S.READY and delivery.qc_report == []
    assert delivery.asset == asset
    event = delivery.events.last()
    assert (event.from_state, event.to_state) == (S.QC_FAILED, S.READY)
    assert event.via == Via.SYSTEM and event.actor is None
    assert event.reason == "交付文件已生成，系统自动重新质检。质检通过"
    assert event.payload["transcode_job"]["id"] == job.pk
    assert event.payload["transcode_job"]["status"] == JobStatus.SUCCEEDED

    # The same end of the job handled twice (a task delivered again): once.
    events = delivery.events.count()
    assert rerun_qc(delivery.pk, job.pk) == "skipped"
    assert delivery.events.count() == events


def test_a_job_that_fails_for_good_leaves_qc_failed_saying_why(
    demo, storage, scheduled, django_capture_on_commit_callbacks
):
    delivery, job = waiting_delivery()
    # An original that became empty in the store: the pipeline refuses it
    # for good, before ffmpeg.
    name = job.asset.original.name
    assert default_storage.save(name, ContentFile(b"")) == name

    with django_capture_on_commit_callbacks(execute=True):
        assert job_run(job_id=job.pk, worker="tests") == "failed"

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert queued(scheduled) == [(delivery.pk, job.pk)]
    assert rerun_qc(delivery.pk, job.pk) == S.QC_FAILED
    delivery.refresh_from_db()
    found = {f["code"]: f["message"] for f in delivery.qc_report}
    assert "delivery_file_pending" not in found
    assert found["delivery_file_failed"] == (
        "按转码方案“平台交付 1080p（GY/T 282-2014，−24 LKFS）”生成交付文件失败"
        "（文件是空的（0 字节），请重新上传。）：请在媒体库“测试视频”页面处理后"
        "重新运行该任务，完成后再运行质检。"
    )
    event = delivery.events.last()
    assert (event.from_state, event.to_state) == (S.QC_FAILED, S.QC_FAILED)
    assert event.via == Via.SYSTEM
    assert event.reason == "交付文件生成失败，系统自动重新质检。质检未通过：1 项问题"
    # The failed job is not asked for again behind the manager's back.
    assert asset_jobs(job) == [JobStatus.FAILED]


def test_only_a_job_stopping_for_good_is_announced(
    demo, storage, django_capture_on_commit_callbacks
):
    announced = []

    def listen(sender, job, succeeded, **kwargs):
        announced.append((job.pk, succeeded))

    job_finished.connect(listen)
    try:
        asset = build_asset()
        requested = job_request(
            asset=asset, profile=delivery_transcode(), dispatch=False
        )
        job = job_claim(job_id=requested.pk, worker="tests")
        with django_capture_on_commit_callbacks(execute=True):
            job_fail(job=job, reason="存储暂时不可用。", permanent=False)
        assert announced == []  # queued again for its retry

        job = job_claim(job_id=job.pk, worker="tests")
        with django_capture_on_commit_callbacks(execute=True):
            job_fail(job=job, reason="转码进程被系统终止。", permanent=True)
        assert announced == [(job.pk, False)]

        job.refresh_from_db()
        job_rerun(job=job)  # its dispatch, left to the commit, is never sent
        with django_capture_on_commit_callbacks(execute=True):
            publish_job(asset, delivery_transcode())
        assert announced == [(job.pk, False), (job.pk, True)]
    finally:
        job_finished.disconnect(listen)


def test_deliveries_that_went_out_are_not_touched(
    demo, storage, scheduled, django_capture_on_commit_callbacks
):
    waiting, job = waiting_delivery("kepu-china")
    page = waiting.page
    # The same item with two more platforms whose file is made the same way.
    delivered = delivery_create(page=page, profile=seeded("yangshipin"))
    withdrawn = delivery_create(page=page, profile=seeded("yunshang-kepu"))
    for delivery, path in (
        (delivered, (S.READY, S.DELIVERED)),
        (withdrawn, (S.READY, S.DELIVERED, S.WITHDRAWN)),
    ):
        for state in path:
            delivery_transition(
                delivery=delivery, to_state=state, via=Via.ADMIN, reason="测试"
            )

    with django_capture_on_commit_callbacks(execute=True):
        publish_job(job.asset, delivery_transcode(), mp4_bytes=DELIVERY_MP4)

    assert queued(scheduled) == [(waiting.pk, job.pk)]
    assert rerun_qc(waiting.pk, job.pk) == S.READY
    # Were a task for them queued anyway (it went out in between), it declines.
    for delivery, state in ((delivered, S.DELIVERED), (withdrawn, S.WITHDRAWN)):
        events = delivery.events.count()
        assert rerun_qc(delivery.pk, job.pk) == "skipped"
        delivery.refresh_from_db()
        assert delivery.state == state and delivery.events.count() == events


def test_a_job_of_another_profile_or_asset_does_not_run_qc(
    demo, storage, scheduled, django_capture_on_commit_callbacks
):
    delivery, job = waiting_delivery()
    events = delivery.events.count()
    other_asset = build_asset(title="另一段视频", mp4_height=720)

    with django_capture_on_commit_callbacks(execute=True):
        # Another transcode profile over the same media …
        other_profile_job = publish_job(
            job.asset, transcode_profile(download_height=540), mp4_height=540
        )
        # … and the delivery profile's own over other media.
        other_asset_job = publish_job(
            other_asset, delivery_transcode(), mp4_bytes=DELIVERY_MP4
        )

    assert queued(scheduled) == []
    for other in (other_profile_job, other_asset_job):
        assert rerun_qc(delivery.pk, other.pk) == "skipped"
    delivery.refresh_from_db()
    assert delivery.state == S.QC_FAILED and delivery.events.count() == events
    assert "delivery_file_pending" in {f["code"] for f in delivery.qc_report}


def test_a_job_run_again_since_is_left_for_its_next_end(
    demo, storage, scheduled, django_capture_on_commit_callbacks
):
    delivery, job = waiting_delivery()
    with django_capture_on_commit_callbacks(execute=True):
        job = publish_job(job.asset, delivery_transcode(), mp4_bytes=DELIVERY_MP4)
    assert queued(scheduled) == [(delivery.pk, job.pk)]

    # Run again before the queued QC ran: QC waits for that run's end.
    job_rerun(job=job)
    assert rerun_qc(delivery.pk, job.pk) == "skipped"
    delivery.refresh_from_db()
    assert delivery.state == S.QC_FAILED
