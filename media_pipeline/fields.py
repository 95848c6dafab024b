"""Model fields shared by the apps built on the media library."""

from django.conf import settings
from django.db import models


def user_reference(verbose_name, *, related_name: str = "+") -> models.ForeignKey:
    """Who did it: an optional user, kept as null when the account is deleted
    (the record outlives the person). No reverse accessor by default."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name=related_name,
    )
