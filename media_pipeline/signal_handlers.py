"""File clean-up, and the access rule's kept answers set aside when an
asset changes: business logic lives in services."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .access import publicity_changed
from .models import MediaAsset, SubtitleTrack
from .storage import delete_file_on_commit, delete_prefix


@receiver(post_delete, sender=SubtitleTrack)
def delete_subtitle_file(sender, instance: SubtitleTrack, **kwargs):
    delete_file_on_commit(instance.file)


def renditions_folder(asset_id: int) -> str:
    """Where every job of an asset writes (``TranscodeJob.output_prefix``)."""
    return f"media/renditions/{asset_id}"


@receiver(post_delete, sender=MediaAsset)
def delete_asset_files(sender, instance: MediaAsset, **kwargs):
    # The original, and the whole renditions folder rather than the rendition
    # rows: runs that failed or were replaced left files no row names.
    name, storage = instance.original.name, instance.original.storage
    folder = renditions_folder(instance.pk)

    def delete_files():
        if name:
            storage.delete(name)
        delete_prefix(folder)

    transaction.on_commit(delete_files)


# Saved through a form (its collection, its owner) or deleted; the services'
# own updates (a run published, a status derived) call publicity_changed.
for signal in (post_save, post_delete):
    signal.connect(
        publicity_changed,
        sender=MediaAsset,
        dispatch_uid=f"media-access-{signal is post_save}",
    )
