"""An S3 outage (moto behind a proxy that really stops listening) while a
part of a chunked transcode is being stored: only the storing is tried
again, the encode is not; an outage longer than the pauses gives the part
back to Celery to be made again. And the heartbeat a part beats through
such silent steps really beats."""

import logging
import threading
import time
from types import SimpleNamespace

import pytest
from django.test import override_settings

from media_pipeline import pipeline
from media_pipeline.errors import TransientMediaError
from media_pipeline.models import ChunkPart, ChunkStatus, TranscodeChunk
from media_pipeline.pipeline import heartbeat, job_run, part_task_run
from media_pipeline.services.assets import asset_create_from_upload
from media_pipeline.services.jobs import job_request
from media_pipeline.storage import walk

from .media import make_video

# Longer than the S3 client's own retries (three attempts, backoff) take, so a
# store really fails during it.
OUTAGE_SECONDS = 5


@pytest.fixture
def chunking(settings):
    settings.MEDIA_CHUNK_MIN_SECONDS = 0
    settings.MEDIA_CHUNK_SECONDS = 12


@pytest.fixture
def second_chunk(chunking, tmp_path, s3_storage):
    """A 24 s video on S3, planned in two 12 s chunks; its second chunk.
    (Settings are changed before S3 is switched on, and within it only by
    override_settings blocks: the S3 storage must not outlive the test.)"""
    source = make_video(tmp_path / "programme.mp4", width=160, height=120, seconds=24)
    asset = asset_create_from_upload(
        staged_path=source, filename=source.name, start_processing=False
    )
    job = job_request(asset=asset, dispatch=False)
    assert job_run(job_id=job.pk, worker="planner") == "chunked"
    job.refresh_from_db()  # its run token, as the planning claimed it
    return TranscodeChunk.objects.of_run(job).get(part=ChunkPart.VIDEO, index=1)


class OutageAfterEncode:
    """S3 goes offline the moment a part's encode ends (before anything is
    stored), for ``seconds`` (None: until the test ends); ``made`` lists the
    parts encoded, in order."""

    def __init__(self, s3_endpoint):
        self.endpoint = s3_endpoint
        self.seconds: float | None = None
        self.made: list[int] = []
        self.timers: list[threading.Timer] = []

    def wrap(self, part_make):
        def make_then_outage(**kwargs):
            manifest = part_make(**kwargs)
            self.made.append(kwargs["chunk"].pk)
            self.endpoint.stop()
            if self.seconds is not None:
                timer = threading.Timer(self.seconds, self.endpoint.start)
                self.timers.append(timer)
                timer.start()
            return manifest

        return make_then_outage


@pytest.fixture
def outage_after_encode(monkeypatch, s3_endpoint):
    outage = OutageAfterEncode(s3_endpoint)
    monkeypatch.setattr(pipeline, "part_make", outage.wrap(pipeline.part_make))
    try:
        yield outage
    finally:
        for timer in outage.timers:
            timer.join()
        s3_endpoint.start()


@pytest.mark.django_db
def test_a_short_outage_is_waited_out_without_encoding_again(
    second_chunk, outage_after_encode, caplog
):
    outage_after_encode.seconds = OUTAGE_SECONDS
    chunk = second_chunk
    with (
        override_settings(MEDIA_STORE_RETRY_DELAYS=(1, 1, 2, 4, 8)),
        caplog.at_level(logging.WARNING, logger="media_pipeline.storage"),
    ):
        assert part_task_run(chunk_id=chunk.pk, worker="w") == "succeeded"

    # Encoded once; the store failed during the outage and was tried again.
    assert outage_after_encode.made == [chunk.pk]
    assert any("Storing under" in r.getMessage() for r in caplog.records)
    chunk.refresh_from_db()
    assert chunk.status == ChunkStatus.SUCCEEDED
    assert chunk.attempts == 1
    prefix = chunk.job.output_prefix
    stored = set(walk(prefix))
    for segment in chunk.manifest["rungs"]["120p"]["segments"]:
        assert f"{prefix}/hls/120p/{segment['name']}" in stored
    assert [s["name"] for s in chunk.manifest["rungs"]["120p"]["segments"]] == [
        "seg_00002.m4s",
        "seg_00003.m4s",
    ]


@pytest.mark.django_db
def test_an_outage_longer_than_the_pauses_gives_the_part_back_to_be_made_again(
    second_chunk, outage_after_encode
):
    chunk = second_chunk
    started = time.monotonic()
    with (
        override_settings(MEDIA_STORE_RETRY_DELAYS=(0.2, 0.2)),
        pytest.raises(TransientMediaError),
    ):
        part_task_run(chunk_id=chunk.pk, worker="w")
    # Bounded: the pauses and the client's own quick retries, no more.
    assert time.monotonic() - started < 30
    assert outage_after_encode.made == [chunk.pk]
    chunk.refresh_from_db()
    assert chunk.status == ChunkStatus.QUEUED
    assert chunk.failure_reason == "存储服务暂时不可用，稍后将自动重试。"


def test_the_heartbeat_thread_beats_until_the_step_ends(monkeypatch):
    monkeypatch.setattr(pipeline, "HEARTBEAT_SECONDS", 0.05)
    beats = []

    def beat():
        beats.append(time.monotonic())
        return True

    with heartbeat(SimpleNamespace(pk=0), beat=beat):
        time.sleep(0.4)
    counted = len(beats)
    assert counted >= 3
    time.sleep(0.2)
    assert len(beats) == counted  # stopped with the step
