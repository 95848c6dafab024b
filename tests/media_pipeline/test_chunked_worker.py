"""A chunked transcode on two real Celery workers, on the filesystem and on
S3 (moto), on the broker the settings name (the embedded one by default;
run with CELERY_BROKER_URL=redis://… for Redis): the parts are shared, one
worker is SIGKILLed in the middle of a chunk, the reaper sends that chunk
again, and the job is published once, under one prefix."""

import io
import os
import signal
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from media_pipeline.models import (
    ChunkPart,
    ChunkStatus,
    JobStatus,
    RenditionKind,
    TranscodeChunk,
    TranscodeJob,
)
from media_pipeline.services.assets import asset_create_from_upload
from media_pipeline.storage import subfolders, walk
from tests.conftest import WorkerProcess

from .media import make_video
from .test_worker_pipeline import asset_ready, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHUNKED_ENV = {"MEDIA_CHUNK_MIN_SECONDS": "0", "MEDIA_CHUNK_SECONDS": "12"}


@pytest.fixture(params=["filesystem", "s3"])
def two_chunking_workers(request, celery_worker_process):
    """The session's worker and a second one, both chunking every video, on
    the filesystem or both (and this process) on S3."""
    env = dict(CHUNKED_ENV)
    if request.param == "s3":
        request.getfixturevalue("s3_storage")
        env |= request.getfixturevalue("s3_environment")
    celery_worker_process.restart(extra_env=env)
    second = WorkerProcess(celery_worker_process.database_name)
    second.log_path = Path(str(celery_worker_process.log_path) + ".second")
    second.start(extra_env=env)
    try:
        yield celery_worker_process, second
    finally:
        # Killed, not stopped: a warm stop would put its reserved messages
        # back on the queue for the next test's worker.
        second.kill()
        celery_worker_process.kill()


def worker_running(workers, chunk: TranscodeChunk) -> WorkerProcess:
    """The worker process a part's ``worker`` names (by its hostname)."""
    for worker in workers:
        if worker.hostname_in(chunk.worker):
            return worker
    raise AssertionError(f"no worker named {chunk.worker}")


def ffmpeg_pids_of(chunk: TranscodeChunk) -> list[int]:
    """The ffmpeg processes making this part: their command line reads the
    part's own temporary source (it runs in a session of its own, so killing
    the worker's group does not reach it, as a lost machine would)."""
    marker = f"media-part-{chunk.pk}-".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if command.startswith(b"ffmpeg") and marker in command:
            pids.append(int(entry.name))
    return pids


def test_two_workers_share_a_chord_and_survive_a_killed_one(
    two_chunking_workers, tmp_path
):
    workers = two_chunking_workers
    source = make_video(tmp_path / "programme.mp4", width=320, height=240, seconds=36)
    asset = asset_create_from_upload(staged_path=source, filename=source.name)
    # On SQLite a rolled-back test's keys come round again, and the files it
    # published under them stay: only the folders made here count.
    earlier_runs = set(subfolders(f"media/renditions/{asset.pk}"))

    def two_parts_under_way():
        """A video chunk running while the other worker runs another part:
        the chord is shared."""
        running = list(
            TranscodeChunk.objects.filter(
                job__asset=asset, status=ChunkStatus.RUNNING
            ).exclude(worker="")
        )
        if len({part.worker for part in running}) < 2:
            return None
        return next((p for p in running if p.part == ChunkPart.VIDEO), None)

    chunk = wait_for(
        two_parts_under_way,
        timeout=180,
        interval=0.05,
        what="both workers making a part, one of them a video chunk",
    )
    victim = worker_running(workers, chunk)
    victim.kill()
    for pid in ffmpeg_pids_of(chunk):
        os.kill(pid, signal.SIGKILL)

    # Its chunk is left running with a heartbeat that no longer moves; the
    # reaper sends it again (only it: the other worker's parts beat).
    time.sleep(4)
    out = io.StringIO()
    call_command("reap_media_jobs", "--stale-after", "3", stdout=out)
    chunk.refresh_from_db()
    assert chunk.status in (ChunkStatus.QUEUED, ChunkStatus.RUNNING)
    victim.start()

    wait_for(lambda: asset_ready(asset), timeout=400, what="the chunked job")
    job = TranscodeJob.objects.get(asset=asset)
    assert job.status == JobStatus.SUCCEEDED, job.failure_reason
    parts = TranscodeChunk.objects.of_run(job)
    assert parts.filter(part=ChunkPart.VIDEO).count() == 3
    assert set(parts.values_list("status", flat=True)) == {ChunkStatus.SUCCEEDED}
    chunk.refresh_from_db()
    assert chunk.attempts >= 2

    # One published set, under the final run's one prefix, parts removed.
    names = list(asset.renditions.values_list("name", flat=True))
    assert names and all(n.startswith(job.output_prefix + "/") for n in names)
    made_here = set(subfolders(f"media/renditions/{asset.pk}")) - earlier_runs
    assert made_here == {job.output_prefix.rsplit("/", 1)[1]}
    stored = walk(job.output_prefix)
    assert not [n for n in stored if "/parts/" in n]
    playlist = asset.rendition(RenditionKind.HLS_MASTER)
    assert playlist is not None
    segments = [n for n in stored if n.endswith(".m4s") and "/240p/" in n]
    assert len(segments) == 6  # 36 s in 6 s segments, none twice
