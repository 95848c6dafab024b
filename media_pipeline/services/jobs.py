"""Services for transcode jobs: request, claim, progress, finish, cancel, reap.

A job's state only changes here, through conditional updates, so two workers
that somehow run the same job (a redelivered message, a requeue by the reaper)
cannot both win: each run holds a ``run_token`` and only the current token may
report progress or publish.
"""

import datetime as dt
import logging
import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..access import publicity_changed
from ..models import (
    AssetStatus,
    JobPhase,
    JobStatus,
    MediaAsset,
    TranscodeJob,
    TranscodeProfile,
)
from ..signals import job_finished_announce

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def default_profile() -> TranscodeProfile:
    profile = TranscodeProfile.objects.filter(is_default=True).first()
    if profile is None:
        # The data migration seeds one; this guards a database set up without it.
        profile, _ = TranscodeProfile.objects.get_or_create(
            slug="standard", defaults={"name": "标准", "is_default": True}
        )
    return profile


def job_request(
    *,
    asset: MediaAsset,
    profile: TranscodeProfile | None = None,
    dispatch: bool = True,
) -> TranscodeJob:
    """The job for this asset, profile and original, queued if it is new.

    Asking again for work that exists returns the existing job: the key
    (asset, profile, source hash) makes requests idempotent. With
    ``dispatch=False`` the caller runs the job itself (``ingest --wait``).
    """
    profile = profile or default_profile()
    job, created = TranscodeJob.objects.get_or_create(
        asset=asset, profile=profile, source_sha256=asset.sha256
    )
    if created:
        # A ready asset stays ready (and on the site) while a further profile's
        # job runs, such as a platform's delivery file; as in job_rerun.
        MediaAsset.objects.filter(pk=asset.pk).exclude(status=AssetStatus.READY).update(
            status=AssetStatus.PROCESSING, failure_reason=""
        )
        if dispatch:
            job_dispatch(job=job)
    return job


def job_dispatch(*, job: TranscodeJob) -> None:
    """Send the job to the transcode queue once the current transaction commits."""
    from ..tasks import transcode_job

    def send():
        result = transcode_job.apply_async(args=(job.pk,), queue="transcode")
        TranscodeJob.objects.filter(pk=job.pk).update(celery_task_id=result.id)

    transaction.on_commit(send)


def job_rerun(*, job: TranscodeJob) -> TranscodeJob:
    """Run a finished, failed or cancelled job again from the start."""
    if job.is_active:
        return job
    TranscodeJob.objects.filter(pk=job.pk).update(
        status=JobStatus.QUEUED,
        phase=JobPhase.WAITING,
        progress=0,
        eta_seconds=None,
        attempts=0,
        failure_reason="",
        run_token=uuid.uuid4(),
        finished_at=None,
    )
    MediaAsset.objects.filter(pk=job.asset_id).exclude(status=AssetStatus.READY).update(
        status=AssetStatus.PROCESSING, failure_reason=""
    )
    job.refresh_from_db()
    job_dispatch(job=job)
    return job


def job_cancel(*, job: TranscodeJob) -> bool:
    """Stop a queued or running job; a running ffmpeg notices at its next
    report, and a chunked run's parts are revoked."""
    from .chunks import chunks_revoke

    run_token = (
        TranscodeJob.objects.filter(pk=job.pk)
        .values_list("run_token", flat=True)
        .first()
    )
    cancelled = (
        TranscodeJob.objects.filter(
            pk=job.pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        ).update(
            status=JobStatus.CANCELLED,
            finished_at=timezone.now(),
            run_token=uuid.uuid4(),
        )
        > 0
    )
    if cancelled:
        asset_status_from_jobs(asset_id=job.asset_id)
        chunks_revoke(job=job, run_token=run_token)
    return cancelled


def job_claim(*, job_id: int, worker: str) -> TranscodeJob | None:
    """Take a queued job (or one a dead worker left running) for this run.

    Returns None when there is nothing to do: the job is finished, cancelled or
    gone. Claiming issues a fresh run token, which disowns any earlier run.
    """
    claimed = TranscodeJob.objects.filter(
        pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).update(
        status=JobStatus.RUNNING,
        phase=JobPhase.FETCHING,
        progress=0,
        eta_seconds=None,
        attempts=F("attempts") + 1,
        run_token=uuid.uuid4(),
        worker=worker,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    if not claimed:
        return None
    return TranscodeJob.objects.select_related("asset", "profile").get(pk=job_id)


def job_assembly_claim(
    *, job_id: int, run_token: str, worker: str, stale_after: dt.timedelta
) -> TranscodeJob | None:
    """Take the assembly of a chunked run: once, unless the worker that took
    it stopped beating (then it is taken over). None when the run is not
    the job's current running one, or another worker is assembling it."""
    now = timezone.now()
    taken = (
        TranscodeJob.objects.filter(
            pk=job_id, run_token=run_token, status=JobStatus.RUNNING
        )
        .exclude(phase=JobPhase.STORING, heartbeat_at__gte=now - stale_after)
        .update(phase=JobPhase.STORING, worker=worker, heartbeat_at=now)
    )
    if not taken:
        return None
    return TranscodeJob.objects.select_related("asset", "profile").get(pk=job_id)


def job_report(
    *,
    job: TranscodeJob,
    phase: str,
    progress: float | None = None,
    eta_seconds: int | None = None,
) -> bool:
    """Record progress of this run; False when the run has been disowned
    (cancelled or taken over), which tells the worker to stop."""
    fields = {"phase": phase, "heartbeat_at": timezone.now()}
    if progress is not None:
        fields["progress"] = round(min(max(progress, 0.0), 100.0), 1)
        fields["eta_seconds"] = eta_seconds
    return (
        TranscodeJob.objects.filter(
            pk=job.pk, run_token=job.run_token, status=JobStatus.RUNNING
        ).update(**fields)
        > 0
    )


def job_fail(*, job: TranscodeJob, reason: str, permanent: bool) -> None:
    """Record a failure of this run. A transient failure with attempts left
    puts the job back in the queue state for its retry."""
    retrying = not permanent and job.attempts < MAX_ATTEMPTS
    updated = TranscodeJob.objects.filter(pk=job.pk, run_token=job.run_token).update(
        status=JobStatus.QUEUED if retrying else JobStatus.FAILED,
        phase=JobPhase.WAITING,
        failure_reason=reason,
        finished_at=None if retrying else timezone.now(),
    )
    if updated and not retrying:
        asset_status_from_jobs(asset_id=job.asset_id, failure_reason=reason)
        job_finished_announce(job=job, succeeded=False)


def asset_status_from_jobs(*, asset_id: int, failure_reason: str = "") -> None:
    """Derive the asset's status after a job stops: ready if something was
    published, processing if other work is pending, failed otherwise."""
    asset = MediaAsset.objects.get(pk=asset_id)
    if asset.published_job_id:
        status, failure_reason = AssetStatus.READY, ""
    elif TranscodeJob.objects.filter(asset_id=asset_id).active().exists():
        status = AssetStatus.PROCESSING
    else:
        status = AssetStatus.FAILED
    MediaAsset.objects.filter(pk=asset_id).update(
        status=status, failure_reason=failure_reason
    )
    publicity_changed()  # a ready asset's files may be served, or no longer


def jobs_reap(*, stale_after: dt.timedelta) -> list[int]:
    """Requeue running jobs whose worker stopped sending heartbeats; for a
    chunked job, only its parts whose worker stopped (see chunks_reap).

    A worker killed outright (SIGKILL, a lost machine) cannot say so; its job
    stays "running" with an old heartbeat. We hand it a new run token, so the
    dead run can never publish, and queue it again.
    """
    from .chunks import chunks_reap, job_is_chunked

    cutoff = timezone.now() - stale_after
    requeued = chunks_reap(stale_after=stale_after)
    for job in TranscodeJob.objects.stale(heartbeat_before=cutoff):
        if job_is_chunked(job):
            # Its parts wait in the queue or are reaped one by one above.
            continue
        taken = TranscodeJob.objects.filter(
            pk=job.pk, run_token=job.run_token, status=JobStatus.RUNNING
        ).update(
            status=JobStatus.QUEUED,
            phase=JobPhase.WAITING,
            run_token=uuid.uuid4(),
            failure_reason="",
        )
        if taken:
            logger.warning("Requeued job %s left running by %s", job.pk, job.worker)
            job_dispatch(job=job)
            requeued.append(job.pk)
    return requeued


def job_publish(*, job: TranscodeJob, outputs) -> bool:
    """Make this run's outputs the asset's renditions, all at once.

    The files are already stored under the run's own prefix, which nothing
    references; one transaction then creates the Rendition rows and points the
    asset at them. Returns False if this run was disowned meanwhile, in which
    case nothing changes and the caller removes its files.
    """
    from ..models import Rendition
    from ..storage import delete_prefix, subfolders

    with transaction.atomic():
        current = (
            TranscodeJob.objects.select_for_update()
            .filter(pk=job.pk, run_token=job.run_token, status=JobStatus.RUNNING)
            .first()
        )
        if current is None:
            return False
        Rendition.objects.filter(job=job).delete()
        Rendition.objects.bulk_create(
            Rendition(
                job=job,
                kind=output.kind,
                name=f"{job.output_prefix}/{output.path}",
                mime_type=output.mime_type,
                size=output.size,
                width=output.width,
                height=output.height,
                bitrate=output.bitrate,
                duration=output.duration,
            )
            for output in outputs
        )
        TranscodeJob.objects.filter(pk=job.pk).update(
            status=JobStatus.SUCCEEDED,
            phase=JobPhase.DONE,
            progress=100,
            eta_seconds=0,
            failure_reason="",
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
        if job.profile.is_default or not job.asset.published_job_id:
            MediaAsset.objects.filter(pk=job.asset_id).update(
                published_job=job, status=AssetStatus.READY, failure_reason=""
            )
            publicity_changed()  # its files are now under this run's prefix

        asset_folder = f"media/renditions/{job.asset_id}"
        keep = job.output_prefix.rsplit("/", 1)[1]

        def remove_earlier_runs():
            # Earlier runs of this job: replaced outputs, or the partial files
            # of a run whose worker died.
            for folder in subfolders(asset_folder):
                if folder.startswith(f"{job.pk}-") and folder != keep:
                    delete_prefix(f"{asset_folder}/{folder}")

        transaction.on_commit(remove_earlier_runs)
        job_finished_announce(job=job, succeeded=True)
    return True


def job_heartbeat(*, job: TranscodeJob) -> bool:
    """Tell the reaper this run is alive; False once it has been disowned."""
    return (
        TranscodeJob.objects.filter(
            pk=job.pk, run_token=job.run_token, status=JobStatus.RUNNING
        ).update(heartbeat_at=timezone.now())
        > 0
    )
