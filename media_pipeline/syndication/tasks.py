"""Celery tasks of the syndication app: thin, they take ids and call services."""

from celery import shared_task

from media_pipeline.storage import STORAGE_ERRORS


@shared_task(
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
