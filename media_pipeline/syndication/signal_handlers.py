"""The syndication app following the media pipeline: nothing here decides
anything, the workflow services do."""

from django.dispatch import receiver

from media_pipeline.models import TranscodeJob
from media_pipeline.signals import job_finished

from .workflow import qc_after_transcode_request


@receiver(job_finished, sender=TranscodeJob, dispatch_uid="syndication-qc-after-job")
def rerun_qc_of_waiting_deliveries(sender, job: TranscodeJob, **kwargs):
    # Succeeded or failed alike: QC then passes on the new file, or says
    # why it could not be made, instead of "under way" until someone looks.
    qc_after_transcode_request(job=job)
