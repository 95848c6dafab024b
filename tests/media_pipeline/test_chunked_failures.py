"""The parts of a chunked run, as a worker's tasks run them: a part made
again stores the same bytes, a part that fails for good fails the job with
its reason, a cancelled run's parts are not made, and the admin shows the
chunk progress, and an assembly whose worker died is taken over once."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from media_pipeline.models import (
    AssetStatus,
    ChunkPart,
    ChunkStatus,
    JobStatus,
    TranscodeChunk,
    TranscodeJob,
)
from media_pipeline.pipeline import assembly_task_run, job_run, part_task_run
from media_pipeline.services.assets import asset_create_from_upload
from media_pipeline.services.chunks import chunk_fail
from media_pipeline.services.jobs import (
    job_assembly_claim,
    job_cancel,
    job_request,
)
from media_pipeline.storage import walk
from tests.conftest import make_user

from .media import make_video

pytestmark = pytest.mark.django_db

STALE = dt.timedelta(seconds=60)


@pytest.fixture
def planned(settings, tmp_path):
    """A 30 s video planned in three 12 s chunks, its chord not sent (the
    test's transaction never commits); the job, running, and its parts."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MEDIA_CHUNK_MIN_SECONDS = 0
    settings.MEDIA_CHUNK_SECONDS = 12
    source = make_video(tmp_path / "programme.mp4", width=160, height=120, seconds=30)
    asset = asset_create_from_upload(
        staged_path=source, filename=source.name, start_processing=False
    )
    job = job_request(asset=asset, dispatch=False)
    assert job_run(job_id=job.pk, worker="planner") == "chunked"
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    parts = {(c.part, c.index): c for c in TranscodeChunk.objects.of_run(job)}
    assert set(parts) == {
        (ChunkPart.AUDIO, 0),
        (ChunkPart.VIDEO, 0),
        (ChunkPart.VIDEO, 1),
        (ChunkPart.VIDEO, 2),
    }
    return job, parts


def stored_segments(job: TranscodeJob, rung: str, numbers) -> list[bytes]:
    return [
        default_storage.open(
            f"{job.output_prefix}/hls/{rung}/seg_{n:05d}.m4s", "rb"
        ).read()
        for n in numbers
    ]


def test_a_part_made_again_stores_the_same_bytes(planned):
    job, parts = planned
    chunk = parts[(ChunkPart.VIDEO, 1)]
    assert part_task_run(chunk_id=chunk.pk, worker="first") == "succeeded"
    first = stored_segments(job, "120p", (2, 3))
    chunk.refresh_from_db()
    assert chunk.status == ChunkStatus.SUCCEEDED
    assert [s["name"] for s in chunk.manifest["rungs"]["120p"]["segments"]] == [
        "seg_00002.m4s",
        "seg_00003.m4s",
    ]

    # As a worker lost after storing would leave it: tried again.
    TranscodeChunk.objects.filter(pk=chunk.pk).update(status=ChunkStatus.RUNNING)
    chunk.refresh_from_db()
    assert chunk_fail(chunk=chunk, reason="测试", permanent=False)
    assert part_task_run(chunk_id=chunk.pk, worker="second") == "succeeded"
    assert stored_segments(job, "120p", (2, 3)) == first
    chunk.refresh_from_db()
    assert (chunk.attempts, chunk.worker) == (2, "second")

    # The asset page shows the chunk progress.
    client = Client()
    client.force_login(make_user("chunk-viewer", superuser=True))
    page = client.get(f"/admin/media/inspect/{job.asset_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "分段转码：视频已完成 1 / 3 段" in html
    assert "视频分段 2" in html and "12–24" in html


def test_the_audio_part_measures_the_loudness_once(planned, monkeypatch):
    """The planner sends the parts without measuring (no video chunk waits
    for it); the audio part measures, keeps the measurement, and an attempt
    made again normalises with it, making the same bytes."""
    from media_pipeline import loudness

    job, parts = planned
    audio = parts[(ChunkPart.AUDIO, 0)]
    asset = job.asset
    asset.refresh_from_db()
    assert "loudness" not in audio.spec
    assert asset.loudness_integrated is None

    assert part_task_run(chunk_id=audio.pk, worker="first") == "succeeded"
    audio.refresh_from_db()
    asset.refresh_from_db()
    measured = audio.spec["loudness"]
    assert -70 < measured["integrated"] < 0
    assert asset.loudness_integrated == measured["integrated"]
    first = stored_segments(job, "audio", (0, 1, 2, 3, 4))

    calls = []
    measure = loudness.measure
    monkeypatch.setattr(
        loudness, "measure", lambda **kwargs: calls.append(kwargs) or measure(**kwargs)
    )
    TranscodeChunk.objects.filter(pk=audio.pk).update(status=ChunkStatus.RUNNING)
    audio.refresh_from_db()
    assert chunk_fail(chunk=audio, reason="测试", permanent=False)
    assert part_task_run(chunk_id=audio.pk, worker="second") == "succeeded"
    assert calls == []
    assert stored_segments(job, "audio", (0, 1, 2, 3, 4)) == first


def test_a_part_that_fails_for_good_fails_the_job_with_its_reason(planned):
    job, parts = planned
    # The original is damaged after planning: ffmpeg cannot read it.
    with open(job.asset.original.path, "r+b") as original:
        original.write(b"\0" * 4096)
    chunk = parts[(ChunkPart.VIDEO, 2)]
    assert part_task_run(chunk_id=chunk.pk, worker="w") == "failed"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.failure_reason.startswith("第 3 段视频（24 秒起）转码失败：")
    chunk.refresh_from_db()
    assert chunk.status == ChunkStatus.FAILED and chunk.failure_reason
    job.asset.refresh_from_db()
    assert job.asset.status == AssetStatus.FAILED
    assert job.asset.failure_reason == job.failure_reason
    # The other parts of the failed run are no longer made.
    assert part_task_run(chunk_id=parts[(ChunkPart.AUDIO, 0)].pk, worker="w") == (
        "skipped"
    )


def test_a_cancelled_run_has_its_parts_withdrawn(planned):
    job, parts = planned
    assert job_cancel(job=job)
    for chunk in parts.values():
        assert part_task_run(chunk_id=chunk.pk, worker="late") == "skipped"
    assert not TranscodeChunk.objects.filter(
        job=job, status=ChunkStatus.SUCCEEDED
    ).exists()


def test_an_assembly_left_by_a_dead_worker_is_taken_over_once(planned, settings):
    job, parts = planned
    for chunk in parts.values():
        assert part_task_run(chunk_id=chunk.pk, worker="w") == "succeeded"
    token = job.run_token.hex
    # An assembler took the run and died: its claim goes stale.
    assert job_assembly_claim(
        job_id=job.pk, run_token=token, worker="dead", stale_after=STALE
    )
    assert assembly_task_run(job_id=job.pk, run_token=token, worker="w2") == (
        "skipped"
    )  # while the first one's heartbeat is fresh
    TranscodeJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - 2 * STALE
    )
    settings.MEDIA_JOB_STALE_SECONDS = STALE.total_seconds()
    assert assembly_task_run(job_id=job.pk, run_token=token, worker="w2") == (
        "succeeded"
    )
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert assembly_task_run(job_id=job.pk, run_token=token, worker="w3") == ("skipped")
    names = set(job.renditions.values_list("name", flat=True))
    assert f"{job.output_prefix}/hls/master.m3u8" in names
    assert f"{job.output_prefix}/download.mp4" in names
    stored = walk(job.output_prefix)
    assert not [name for name in stored if "/parts/" in name]
    assert f"{job.output_prefix}/hls/120p/init_1.mp4" in stored
