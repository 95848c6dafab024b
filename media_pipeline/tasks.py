"""Celery tasks: thin, they take ids and call the pipeline's services."""

import datetime as dt
import logging
import socket

from celery import shared_task

from .errors import TransientMediaError

logger = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = 5
RETRY_BACKOFF_CAP_SECONDS = 300


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def transcode_job(self, job_id: int) -> str:
    from .pipeline import job_run

    worker = f"{socket.gethostname()}:{self.request.hostname or ''}"
    try:
        return job_run(job_id=job_id, worker=worker)
    except TransientMediaError as error:
        countdown = min(
            RETRY_BACKOFF_SECONDS * 2 ** max(self.request.retries, 0),
            RETRY_BACKOFF_CAP_SECONDS,
        )
        logger.warning("Job %s: %s; retrying in %ss", job_id, error.detail, countdown)
        # The job's own attempt counter caps retries; Celery's is not used.
        raise self.retry(countdown=countdown, max_retries=None) from error


@shared_task
def reap_stale_jobs() -> list[int]:
    from django.conf import settings

    from .services.jobs import jobs_reap

    return jobs_reap(stale_after=dt.timedelta(seconds=settings.MEDIA_JOB_STALE_SECONDS))


@shared_task
def expire_uploads() -> int:
    """Remove resumable uploads abandoned past their expiry."""
    from .tus.staging import uploads_expire

    return uploads_expire()


def _worker_name(request) -> str:
    return f"{socket.gethostname()}:{request.hostname or ''}"


def _retry(task, error: TransientMediaError, what: str):
    countdown = min(
        RETRY_BACKOFF_SECONDS * 2 ** max(task.request.retries, 0),
        RETRY_BACKOFF_CAP_SECONDS,
    )
    logger.warning("%s: %s; retrying in %ss", what, error.detail, countdown)
    # The part's own attempt counter caps retries; Celery's is not used.
    return task.retry(countdown=countdown, max_retries=None)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def transcode_part(self, chunk_id: int) -> str:
    """One part of a chunked transcode (a chord's header task)."""
    from .pipeline import part_task_run
    from .services.chunks import chunk_after_reap

    try:
        outcome = part_task_run(chunk_id=chunk_id, worker=_worker_name(self.request))
    except TransientMediaError as error:
        raise _retry(self, error, f"Part {chunk_id}") from error
    if not self.request.chord:
        # Sent again by the reaper, outside the chord: the last part to
        # finish sends the assembly itself.
        chunk_after_reap(chunk_id=chunk_id)
    return outcome


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def transcode_assemble(self, job_id: int, run_token: str) -> str:
    """Join a chunked transcode's parts and publish (the chord's callback)."""
    from .pipeline import assembly_task_run

    try:
        return assembly_task_run(
            job_id=job_id, run_token=run_token, worker=_worker_name(self.request)
        )
    except TransientMediaError as error:
        raise _retry(self, error, f"Assembly of job {job_id}") from error
