"""Celery tasks: thin, they take ids and call the services."""

import logging

from celery import shared_task

from media_pipeline.errors import TransientMediaError

logger = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = 5
MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def screen_rendition_make(self, rendition_id: int) -> str:
    """Make one playlist item's file for one screen size (``transcode`` queue)."""
    from .services import rendition_make

    try:
        return rendition_make(rendition_id=rendition_id)
    except TransientMediaError as error:
        logger.warning("Screen rendition %s: %s", rendition_id, error.detail)
        raise self.retry(
            countdown=RETRY_BACKOFF_SECONDS * 2**self.request.retries,
            max_retries=MAX_RETRIES,
        ) from error
