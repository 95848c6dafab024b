"""Celery tasks of the syndication app: thin, they take ids and call services.

Each task keeps the name it had when the app lived at
``media_pipeline.syndication``, so messages queued before a deploy still find
their task and the beat schedule needs no change.
"""

from celery import shared_task

from media_pipeline.storage import STORAGE_ERRORS

TASK_PREFIX = "media_pipeline.syndication.tasks"


@shared_task(
    name=f"{TASK_PREFIX}.build_package",
    acks_late=True,
    reject_on_worker_lost=True,
    # The store being down is worth waiting for; the package is rebuilt whole.
    autoretry_for=STORAGE_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
)
def build_package(delivery_id: int) -> str:
    """Build the package of a delivery for manual upload; its storage name."""
    from .models import Delivery
    from .packages import package_build

    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return ""
    return package_build(delivery=delivery)


@shared_task(name=f"{TASK_PREFIX}.rerun_qc", acks_late=True, reject_on_worker_lost=True)
def rerun_qc(delivery_id: int, job_id: int) -> str:
    """QC of a delivery run again by the system once the transcode job that
    makes its file has finished; the state it is left in, or "skipped"."""
    from media_pipeline.models import TranscodeJob

    from .models import Delivery
    from .workflow import delivery_run_qc_after_transcode

    delivery = Delivery.objects.filter(pk=delivery_id).first()
    job = TranscodeJob.objects.filter(pk=job_id).first()
    if delivery is None or job is None:
        return "skipped"
    done = delivery_run_qc_after_transcode(delivery=delivery, job=job)
    return done.state if done else "skipped"


@shared_task(
    name=f"{TASK_PREFIX}.store_partner_items",
    acks_late=True,
    reject_on_worker_lost=True,
)
def store_partner_items(delivery_ids: list[int] | None = None) -> int:
    """Write the partner API's stored items of these deliveries (all when
    None) as they read now; how many were written."""
    from .stored_items import partner_items_store

    return partner_items_store(delivery_ids=delivery_ids)
