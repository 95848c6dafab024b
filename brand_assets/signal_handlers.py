"""File clean-up, and telling the media library when the brand page's
media may have changed: business logic lives in services."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from media_pipeline.access import publicity_changed
from media_pipeline.storage import delete_file_on_commit

from .models import BrandAsset, BrandAssetVersion, BrandKit, BrandVariant


@receiver(post_delete, sender=BrandVariant)
def delete_variant_file(sender, instance: BrandVariant, **kwargs):
    # A media variant has no file of its own: the media library keeps it.
    delete_file_on_commit(instance.file)


@receiver(post_delete, sender=BrandKit)
def delete_kit_zip(sender, instance: BrandKit, **kwargs):
    delete_file_on_commit(instance.file)


# Which media the brand page shows depends on the assets (shown publicly or
# not), their approved versions and those versions' files.
for model in (BrandAsset, BrandAssetVersion, BrandVariant):
    for signal in (post_save, post_delete):
        signal.connect(
            publicity_changed,
            sender=model,
            dispatch_uid=f"brand-publicity-{model.__name__}-{signal is post_save}",
        )
