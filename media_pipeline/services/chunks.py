"""Services for the parts of a chunked transcode: plan them, claim one for
a worker, record its progress, manifest or failure, and find the stale.

A part belongs to one run of its job (the job's run token when it was
planned): once the run is disowned (cancelled, rerun, reaped) its parts can
no longer report or succeed, so a late worker changes nothing.
"""

import datetime as dt
import logging
import uuid
from dataclasses import asdict

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..chunking import ChunkSpan, chunk_spans
from ..ladder import TranscodePlan
from ..loudness import LoudnessMeasurement
from ..models import (
    ChunkPart,
    ChunkStatus,
    JobPhase,
    JobStatus,
    TranscodeChunk,
    TranscodeJob,
)

logger = logging.getLogger(__name__)

#: How often one part is tried before the job fails.
MAX_CHUNK_ATTEMPTS = 3


def chunks_plan(*, job: TranscodeJob, plan: TranscodePlan) -> list[TranscodeChunk]:
    """The parts of this run: the audio, and one a chunk (which makes its
    share of the stills too). A run planned before (a retried planning task)
    keeps its rows. The audio part measures the loudness it normalises to
    (chunk_record_loudness): the video parts need no measurement, so none
    of them waits for it."""
    with transaction.atomic():
        TranscodeChunk.objects.filter(job=job).exclude(run_token=job.run_token).delete()
        existing = list(TranscodeChunk.objects.of_run(job))
        if existing:
            return existing
        duration = plan.duration
        rows = [
            TranscodeChunk(
                job=job,
                run_token=job.run_token,
                part=ChunkPart.AUDIO,
                index=0,
                start=0,
                duration=duration,
            ),
        ]
        rows += [
            TranscodeChunk(
                job=job,
                run_token=job.run_token,
                part=ChunkPart.VIDEO,
                index=span.index,
                start=span.start,
                duration=span.planned_duration,
                # The span as planned: a worker's settings may differ.
                spec={"reads_to_end": span.reads_to_end},
            )
            for span in chunk_spans(plan)
        ]
        return TranscodeChunk.objects.bulk_create(rows)


def _current(chunk_id: int) -> TranscodeChunk | None:
    """The part, if its run is still the job's current, running run."""
    chunk = (
        TranscodeChunk.objects.select_related("job", "job__asset", "job__profile")
        .filter(pk=chunk_id)
        .first()
    )
    if chunk is None:
        return None
    job = chunk.job
    if job.run_token != chunk.run_token or job.status != JobStatus.RUNNING:
        return None
    return chunk


def chunk_claim(*, chunk_id: int, worker: str) -> TranscodeChunk | None:
    """Take a part for this worker; None when it is done or disowned. A part
    a dead worker left running is taken over."""
    chunk = _current(chunk_id)
    if chunk is None:
        return None
    claimed = TranscodeChunk.objects.filter(
        pk=chunk.pk,
        run_token=chunk.run_token,
        status__in=[ChunkStatus.QUEUED, ChunkStatus.RUNNING],
    ).update(
        status=ChunkStatus.RUNNING,
        worker=worker,
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        failure_reason="",
    )
    if not claimed:
        return None
    chunk.refresh_from_db()
    return chunk


def _job_progress(job: TranscodeJob, running_fraction: float) -> float:
    parts = TranscodeChunk.objects.of_run(job)
    total = parts.count() or 1
    done = parts.filter(status=ChunkStatus.SUCCEEDED).count()
    return (done + running_fraction) / total * 100


def chunk_report(*, chunk: TranscodeChunk, fraction: float) -> bool:
    """Record a running part's progress in it and in its job; False once the
    run is disowned (the worker stops)."""
    now = timezone.now()
    job = chunk.job
    alive = (
        TranscodeJob.objects.filter(
            pk=job.pk, run_token=chunk.run_token, status=JobStatus.RUNNING
        ).update(
            phase=JobPhase.TRANSCODING,
            heartbeat_at=now,
            progress=round(min(_job_progress(job, fraction), 99.0), 1),
        )
        > 0
    )
    TranscodeChunk.objects.filter(pk=chunk.pk, run_token=chunk.run_token).update(
        heartbeat_at=now
    )
    return alive


def chunk_heartbeat(*, chunk: TranscodeChunk) -> bool:
    """Tell the reaper this part's worker is alive (and so its job's run);
    False once the run is disowned."""
    now = timezone.now()
    TranscodeChunk.objects.filter(
        pk=chunk.pk, run_token=chunk.run_token, status=ChunkStatus.RUNNING
    ).update(heartbeat_at=now)
    return (
        TranscodeJob.objects.filter(
            pk=chunk.job_id, run_token=chunk.run_token, status=JobStatus.RUNNING
        ).update(heartbeat_at=now)
        > 0
    )


def chunk_measured_loudness(chunk: TranscodeChunk) -> tuple[bool, object]:
    """Whether the audio part has measured its loudness, and what it found
    (a LoudnessMeasurement, or None for a source without sound)."""
    if "loudness" not in chunk.spec:
        return False, None
    measured = chunk.spec["loudness"]
    return True, LoudnessMeasurement(**measured) if measured else None


def chunk_record_loudness(*, chunk: TranscodeChunk, measurement) -> None:
    """Keep the audio part's measurement: an attempt made again normalises
    with the same values (and makes the same bytes), and the assembly plans
    the master playlist from it."""
    chunk.spec = {
        **chunk.spec,
        "loudness": asdict(measurement) if measurement else None,
    }
    TranscodeChunk.objects.filter(pk=chunk.pk, run_token=chunk.run_token).update(
        spec=chunk.spec
    )


def chunk_succeed(*, chunk: TranscodeChunk, manifest: dict) -> bool:
    """Record a finished part's manifest; False if its run was disowned."""
    if _current(chunk.pk) is None:
        return False
    return (
        TranscodeChunk.objects.filter(pk=chunk.pk, run_token=chunk.run_token).update(
            status=ChunkStatus.SUCCEEDED,
            manifest=manifest,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
        > 0
    )


def chunk_fail(*, chunk: TranscodeChunk, reason: str, permanent: bool) -> bool:
    """Record a failed attempt; True when the part will be tried again."""
    retrying = not permanent and chunk.attempts < MAX_CHUNK_ATTEMPTS
    TranscodeChunk.objects.filter(pk=chunk.pk, run_token=chunk.run_token).update(
        status=ChunkStatus.QUEUED if retrying else ChunkStatus.FAILED,
        failure_reason=reason,
        finished_at=None if retrying else timezone.now(),
    )
    return retrying


def chunk_manifests(*, job: TranscodeJob) -> list[dict]:
    """The manifests of the run's finished parts."""
    return [
        chunk.manifest
        for chunk in TranscodeChunk.objects.of_run(job).filter(
            status=ChunkStatus.SUCCEEDED
        )
    ]


def chunk_span(chunk: TranscodeChunk) -> ChunkSpan:
    """The time range a video part reads, as it was planned."""
    return ChunkSpan(
        index=chunk.index,
        start=chunk.start,
        duration=None if chunk.spec.get("reads_to_end") else chunk.duration,
        planned_duration=chunk.duration,
    )


def chunk_count(*, job: TranscodeJob) -> int:
    """How many video chunks the run was planned in."""
    return TranscodeChunk.objects.of_run(job).filter(part=ChunkPart.VIDEO).count()


def chunks_all_done(*, job: TranscodeJob) -> bool:
    parts = TranscodeChunk.objects.of_run(job)
    return parts.exists() and not parts.exclude(status=ChunkStatus.SUCCEEDED).exists()


def chunks_stale(*, stale_after: dt.timedelta) -> list[TranscodeChunk]:
    """Running parts of current runs whose worker stopped reporting."""
    cutoff = timezone.now() - stale_after
    return [
        chunk
        for chunk in TranscodeChunk.objects.select_related("job").filter(
            status=ChunkStatus.RUNNING,
            heartbeat_at__lt=cutoff,
            job__status=JobStatus.RUNNING,
        )
        if chunk.run_token == chunk.job.run_token
    ]


def chunk_requeue(*, chunk: TranscodeChunk) -> bool:
    """Put a stale part back in the queue state (the reaper sends it again)."""
    return (
        TranscodeChunk.objects.filter(
            pk=chunk.pk,
            run_token=chunk.run_token,
            status=ChunkStatus.RUNNING,
            heartbeat_at=chunk.heartbeat_at,
        ).update(status=ChunkStatus.QUEUED)
        > 0
    )


def job_is_chunked(job: TranscodeJob) -> bool:
    return TranscodeChunk.objects.of_run(job).exists()


def chord_dispatch(*, job: TranscodeJob, chunks: list[TranscodeChunk]) -> None:
    """Send the parts to the transcode queue as a chord, once the current
    transaction commits: the header makes the parts, the callback assembles
    them."""
    from celery import chord

    from ..tasks import transcode_assemble, transcode_part

    def send():
        header = []
        for chunk in chunks:
            task_id = str(uuid.uuid4())
            TranscodeChunk.objects.filter(pk=chunk.pk).update(celery_task_id=task_id)
            header.append(
                transcode_part.signature(
                    args=(chunk.pk,), queue="transcode", task_id=task_id
                )
            )
        callback = transcode_assemble.signature(
            args=(job.pk, job.run_token.hex), queue="transcode", immutable=True
        )
        chord(header)(callback)

    transaction.on_commit(send)


def assembly_dispatch(*, job: TranscodeJob) -> None:
    from ..tasks import transcode_assemble

    transaction.on_commit(
        lambda: transcode_assemble.apply_async(
            args=(job.pk, job.run_token.hex), queue="transcode"
        )
    )


def chunk_after_reap(*, chunk_id: int) -> None:
    """After a part sent again outside the chord finished: send the assembly
    if it was the last part (the chord's own callback never comes)."""
    chunk = _current(chunk_id)
    if chunk is not None and chunks_all_done(job=chunk.job):
        assembly_dispatch(job=chunk.job)


def chunks_reap(*, stale_after: dt.timedelta) -> list[int]:
    """Send again the parts whose worker stopped reporting, and the assembly
    of runs whose parts are all done but whose assembler went quiet; the
    ids of the jobs concerned. Chunked jobs are reaped here, part by part,
    not restarted as a whole."""
    from ..tasks import transcode_part

    touched = []
    for chunk in chunks_stale(stale_after=stale_after):
        if chunk_requeue(chunk=chunk):
            logger.warning("Sending part %s again (left by %s)", chunk, chunk.worker)
            # Under its task id in the chord: a result backend that polls
            # for the header's results (the embedded one) counts it, and the
            # part sends the assembly itself where the chord cannot know.
            transaction.on_commit(
                lambda chunk=chunk: transcode_part.apply_async(
                    args=(chunk.pk,),
                    queue="transcode",
                    task_id=chunk.celery_task_id or None,
                )
            )
            touched.append(chunk.job_id)
    cutoff = timezone.now() - stale_after
    for job in TranscodeJob.objects.stale(heartbeat_before=cutoff):
        if job_is_chunked(job) and chunks_all_done(job=job):
            assembly_dispatch(job=job)
            touched.append(job.pk)
    return touched


def chunks_revoke(*, job: TranscodeJob, run_token: uuid.UUID) -> None:
    """Withdraw the queued and running parts of a cancelled run from the
    workers. They would stop by themselves (a disowned part cannot be
    claimed, and a running one stops at its next report); revoking spares
    the queue."""
    task_ids = list(
        TranscodeChunk.objects.filter(job=job, run_token=run_token)
        .exclude(status=ChunkStatus.SUCCEEDED)
        .exclude(celery_task_id="")
        .values_list("celery_task_id", flat=True)
    )
    if not task_ids:
        return

    def revoke():
        from celery import current_app

        try:
            current_app.control.revoke(task_ids)
        except Exception:  # a broker without broadcast: the parts stop anyway
            logger.warning(
                "Could not revoke the parts of job %s", job.pk, exc_info=True
            )

    transaction.on_commit(revoke)
