"""The site telling the media library when which media is public may have
changed (see media_pipeline.access): nothing is decided here."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from media_pipeline.access import publicity_changed

page_published.connect(publicity_changed, dispatch_uid="core-publicity-published")
page_unpublished.connect(publicity_changed, dispatch_uid="core-publicity-unpublished")
post_page_move.connect(publicity_changed, dispatch_uid="core-publicity-moved")
post_delete.connect(publicity_changed, sender=Page, dispatch_uid="core-publicity-page")
for signal, name in ((post_save, "saved"), (post_delete, "deleted")):
    signal.connect(
        publicity_changed,
        sender=PageViewRestriction,
        dispatch_uid=f"core-publicity-restriction-{name}",
    )
