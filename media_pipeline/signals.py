"""Signals the media pipeline sends, so that apps built on it (syndication)
can follow its jobs without the pipeline knowing about them."""

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

#: A job stopped for good: published (``succeeded=True``) or failed with no
#: attempt left (``succeeded=False``). Sent with ``sender=TranscodeJob`` and
#: ``job=`` once the change is committed, so receivers read what happened.
#: ``job`` is the instance the worker held: its ids are right, but read its
#: status from ``succeeded`` or the database.
job_finished = Signal()


def job_finished_announce(*, job, succeeded: bool) -> None:
    """Send ``job_finished`` after the current transaction commits."""

    def send():
        # Robust: the job is already committed as finished; a receiver that
        # fails (a broker that is down) must not reach the worker, which
        # would otherwise record the published job as failed.
        for receiver, result in job_finished.send_robust(
            sender=type(job), job=job, succeeded=succeeded
        ):
            if isinstance(result, Exception):
                logger.error(
                    "job_finished receiver %r failed for job %s",
                    receiver,
                    job.pk,
                    exc_info=result,
                )

    transaction.on_commit(send)
