"""File clean-up: a screen file or a playlist zip goes with its row."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from media_pipeline.storage import delete_file_on_commit

from .models import Playlist, ScreenRendition


@receiver(post_delete, sender=ScreenRendition)
def delete_screen_file(sender, instance: ScreenRendition, **kwargs):
    delete_file_on_commit(instance.file)


@receiver(post_delete, sender=Playlist)
def delete_playlist_zip(sender, instance: Playlist, **kwargs):
    delete_file_on_commit(instance.package)
