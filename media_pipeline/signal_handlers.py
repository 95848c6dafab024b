"""File clean-up only: business logic lives in services."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import SubtitleTrack


@receiver(post_delete, sender=SubtitleTrack)
def delete_subtitle_file(sender, instance: SubtitleTrack, **kwargs):
    # Only once the deletion is committed: a rolled-back delete keeps its file.
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
