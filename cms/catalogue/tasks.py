"""Celery tasks of the catalogue import: thin, they take ids and call the
services. Rows go to the ``default`` queue; the media each row stores is
processed on ``transcode`` by the pipeline's own job."""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_catalogue_row(import_row_id: int) -> str:
    # A task redelivered after its worker died runs again harmlessly: the
    # row is locked while it runs, and a row already done is left as it is.
    from .models import ImportRow
    from .services import import_row_run, import_run_finish

    import_row = import_row_run(import_row_id=import_row_id)
    import_run_finish(run=ImportRow.objects.get(pk=import_row.pk).run)
    return import_row.status
