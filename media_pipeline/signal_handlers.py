"""File clean-up, and the access rule's kept answers set aside when an
asset changes: business logic lives in services."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .access import publicity_changed
from .models import MediaAsset, SubtitleTrack


@receiver(post_delete, sender=SubtitleTrack)
def delete_subtitle_file(sender, instance: SubtitleTrack, **kwargs):
    # Only once the deletion is committed: a rolled-back delete keeps its file.
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# Saved through a form (its collection, its owner) or deleted; the services'
# own updates (a run published, a status derived) call publicity_changed.
post_save.connect(
    publicity_changed, sender=MediaAsset, dispatch_uid="media-access-save"
)
post_delete.connect(
    publicity_changed, sender=MediaAsset, dispatch_uid="media-access-delete"
)
