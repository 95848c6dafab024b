"""The syndication app following the media pipeline: nothing here decides
anything, the workflow services do."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from taggit.models import Tag
from wagtail.models import Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from media_pipeline.models import TranscodeJob
from media_pipeline.signals import job_finished

from .models import VISIBLE_TO_PARTNER, Delivery
from .stored_items import (
    deliveries_crediting,
    deliveries_tagged,
    deliveries_under,
    partner_items_refresh_request,
)
from .workflow import deliveries_take_down_with_page, qc_after_transcode_request


@receiver(job_finished, sender=TranscodeJob, dispatch_uid="syndication-qc-after-job")
def rerun_qc_of_waiting_deliveries(sender, job: TranscodeJob, **kwargs):
    # Succeeded or failed alike: QC then passes on the new file, or says
    # why it could not be made, instead of "under way" until someone looks.
    qc_after_transcode_request(job=job)


@receiver(page_unpublished, dispatch_uid="syndication-take-down")
def take_down_items_of_offline_page(sender, instance, **kwargs):
    # Unpublished by hand or expired: Wagtail's publish_scheduled command
    # unpublishes expired pages the same way. (A page with deliveries cannot
    # be deleted: Delivery.page protects it.)
    deliveries_take_down_with_page(page=instance)


# --- The partner API's stored items (see stored_items.py) ----------------------


@receiver(post_save, sender=Delivery, dispatch_uid="syndication-store-item")
def store_item_of_saved_delivery(sender, instance: Delivery, **kwargs):
    if instance.state in VISIBLE_TO_PARTNER:
        partner_items_refresh_request(
            deliveries=Delivery.objects.filter(pk=instance.pk)
        )


@receiver(page_published, dispatch_uid="syndication-store-items-published")
@receiver(page_unpublished, dispatch_uid="syndication-store-items-unpublished")
def store_items_below_page(sender, instance, **kwargs):
    # The page's own items, and those of the pages below it, which name it.
    partner_items_refresh_request(deliveries=deliveries_under(instance))


@receiver(post_page_move, dispatch_uid="syndication-store-items-moved")
def store_items_below_moved_page(sender, instance, **kwargs):
    partner_items_refresh_request(deliveries=deliveries_under(instance))


@receiver(post_save, sender="people.Person", dispatch_uid="syndication-person")
def store_items_crediting(sender, instance, **kwargs):
    partner_items_refresh_request(deliveries=deliveries_crediting(instance))


@receiver(post_save, sender=Tag, dispatch_uid="syndication-store-items-tag")
def store_items_tagged(sender, instance, **kwargs):
    partner_items_refresh_request(deliveries=deliveries_tagged(instance))


@receiver(post_save, sender=Site, dispatch_uid="syndication-store-items-site")
@receiver(post_delete, sender=Site, dispatch_uid="syndication-store-items-site-gone")
def store_every_item(sender, **kwargs):
    # Every item's web address depends on the sites.
    partner_items_refresh_request()
