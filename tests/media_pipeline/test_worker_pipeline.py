"""The pipeline through a real Celery worker process: on the filesystem and
on S3, through a worker killed mid-transcode, and through an S3 outage."""

import datetime as dt
import io
import subprocess
import time
import urllib.request
from pathlib import Path

import m3u8
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client

from media_pipeline.models import (
    AssetStatus,
    JobPhase,
    JobStatus,
    MediaAsset,
    RenditionKind,
    TranscodeJob,
)
from media_pipeline.services.assets import asset_create_from_upload
from media_pipeline.storage import subfolders
from tests.conftest import make_user

from .media import make_video

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def wait_for(condition, *, timeout: float, interval: float = 0.2, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def job_of(asset: MediaAsset) -> TranscodeJob:
    return TranscodeJob.objects.get(asset=asset)


def asset_ready(asset: MediaAsset):
    asset.refresh_from_db()
    if asset.status == AssetStatus.FAILED:
        raise AssertionError(f"asset failed: {asset.failure_reason}")
    return asset.status == AssetStatus.READY


@pytest.fixture
def worker_on_s3(celery_worker_process, s3_storage, s3_environment):
    """This test process and the worker both on the S3 endpoint."""
    celery_worker_process.restart(extra_env=s3_environment)
    yield celery_worker_process
    # Before the bucket goes; the next test gets a worker on the defaults.
    celery_worker_process.kill()


@pytest.fixture(params=["filesystem", "s3"])
def worker_on_storage(request, celery_worker_process):
    if request.param == "s3":
        return request.getfixturevalue("worker_on_s3")
    return celery_worker_process


def upload(path: Path) -> MediaAsset:
    return asset_create_from_upload(staged_path=path, filename=path.name)


def test_an_upload_is_transcoded_by_a_worker(worker_on_storage, tmp_path):
    source = make_video(tmp_path / "clip.mp4", width=640, height=360, seconds=4)
    asset = upload(source)
    wait_for(lambda: asset_ready(asset), timeout=180, what="the asset to be ready")

    job = job_of(asset)
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1
    assert job.worker.startswith(job.worker.split(":")[0])
    assert "test-" in job.worker
    # Served through the storage-agnostic view; on S3 the playlist names
    # presigned URLs, on the filesystem the view's own. The asset is on no
    # page yet: only a user who may choose it can fetch it.
    client = Client()
    client.force_login(make_user("worker-viewer", superuser=True))
    master_url = f"/media-files/{asset.key}/hls/master.m3u8"
    master = m3u8.loads(client.get(master_url).content.decode())
    variant_url = master.playlists[0].uri
    assert variant_url.startswith(f"/media-files/{asset.key}/")
    variant = m3u8.loads(client.get(variant_url).content.decode())
    for uri in (variant.segment_map[0].uri, variant.segments[0].uri):
        if default_storage_is_s3():
            # Presigned, straight from the private bucket.
            assert "X-Amz-Signature" in uri
            body = urllib.request.urlopen(uri, timeout=10).read()
        else:
            body = b"".join(client.get(uri).streaming_content)
        assert len(body) > 500


def default_storage_is_s3() -> bool:
    return bool(getattr(default_storage, "querystring_auth", False))


def kill_ffmpeg_of(job: TranscodeJob) -> None:
    # ffmpeg runs in its own session; a crash of the worker's machine would
    # take it too, so the test does the same.
    subprocess.run(["pkill", "-9", "-f", f"media-job-{job.pk}-"], check=False)


def test_a_killed_worker_job_is_requeued_and_finishes_once(
    celery_worker_process, tmp_path
):
    source = make_video(tmp_path / "long.mp4", width=1280, height=720, seconds=40)
    asset = upload(source)
    # Caught by its reported progress, early: a fast machine transcodes this
    # clip in about ten seconds.
    job = wait_for(
        lambda: TranscodeJob.objects.filter(
            asset=asset, phase=JobPhase.TRANSCODING, progress__gt=3
        ).first(),
        timeout=120,
        interval=0.05,
        what="the transcode to be under way",
    )
    celery_worker_process.kill()
    kill_ffmpeg_of(job)

    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # as the dead worker left it
    asset.refresh_from_db()
    assert asset.published_job is None and not asset.renditions.exists()

    out = io.StringIO()
    call_command("reap_media_jobs", "--stale-after", "0", stdout=out)
    assert str(job.pk) in out.getvalue()
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED

    celery_worker_process.start()
    wait_for(lambda: asset_ready(asset), timeout=300, what="the requeued job")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.attempts == 2
    # Exactly one published set of outputs, all under the final run's prefix.
    names = list(asset.renditions.values_list("name", flat=True))
    assert names and all(n.startswith(job.output_prefix + "/") for n in names)
    run_folders = subfolders(f"media/renditions/{asset.pk}")
    assert run_folders == [job.output_prefix.rsplit("/", 1)[1]]
    # A second reap finds nothing to do, and re-requesting changes nothing.
    assert call_reap() == "没有失联的任务。"


def call_reap() -> str:
    out = io.StringIO()
    call_command("reap_media_jobs", "--stale-after", "0", stdout=out)
    return out.getvalue().strip()


def test_an_s3_outage_while_storing_is_retried_and_nothing_is_lost(
    worker_on_s3, s3_endpoint, tmp_path
):
    source = make_video(tmp_path / "clip.mp4", width=640, height=360, seconds=20)
    asset = upload(source)
    wait_for(
        lambda: TranscodeJob.objects.filter(
            asset=asset, phase=JobPhase.TRANSCODING
        ).exists(),
        timeout=120,
        interval=0.05,
        what="the transcode to start",
    )
    s3_endpoint.stop()
    try:
        job = wait_for(
            lambda: TranscodeJob.objects.filter(
                asset=asset, attempts__gte=2, failure_reason__contains="存储"
            ).first(),
            timeout=120,
            what="a failed store and a retry",
        )
        asset.refresh_from_db()
        assert asset.status == AssetStatus.PROCESSING  # not failed: retrying
    finally:
        s3_endpoint.start()
    wait_for(lambda: asset_ready(asset), timeout=240, what="the retried job")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.failure_reason == ""
    # The original survived the outage, byte for byte.
    with default_storage.open(asset.original.name, "rb") as stored:
        assert stored.read() == source.read_bytes()
    assert asset.rendition(RenditionKind.HLS_MASTER) is not None
    for rendition in asset.renditions:
        assert default_storage.exists(rendition.name), rendition.name


def test_stale_jobs_are_not_reaped_while_their_worker_beats(db, tmp_path):
    """A job whose heartbeat is fresh stays with its worker."""
    source = make_video(tmp_path / "c.mp4", width=160, height=120, seconds=1)
    asset = asset_create_from_upload(
        staged_path=source, filename="c.mp4", start_processing=False
    )
    from media_pipeline.services.jobs import job_claim, job_request, jobs_reap

    job = job_request(asset=asset, dispatch=False)
    job_claim(job_id=job.pk, worker="elsewhere")
    assert jobs_reap(stale_after=dt.timedelta(minutes=5)) == []
    assert jobs_reap(stale_after=dt.timedelta(0)) == [job.pk]
