"""Celery tasks of the brand library: thin, they take ids and call services."""

from celery import shared_task

from media_pipeline.storage import STORAGE_ERRORS


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    # The store being down is worth waiting for; the zip is rebuilt whole.
    autoretry_for=STORAGE_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
)
def build_kit(kit_id: int, force: bool = False) -> str:
    """Build a kit's zip unless it is current; the kit's status afterwards."""
    from .kits import kit_build

    kit = kit_build(kit_id=kit_id, force=force)
    return kit.status if kit else ""
