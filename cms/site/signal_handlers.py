"""What makes the kept public pages stale (see ``page_cache``)."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from media_pipeline.signals import job_finished

from .models import FooterSettings, PartnerLink
from .page_cache import public_pages_changed


def settings_changed(sender, created: bool = False, **kwargs) -> None:
    # Wagtail creates a site's settings with their defaults the first time a
    # page reads them: what the page showed stays true, so nothing is dropped.
    if not created:
        public_pages_changed()


def connect() -> None:
    for signal, name in (
        (page_published, "published"),
        (page_unpublished, "unpublished"),
        (post_page_move, "moved"),
        (job_finished, "media-job"),
    ):
        signal.connect(public_pages_changed, dispatch_uid=f"site-pages-{name}")
    post_delete.connect(
        public_pages_changed, sender=Page, dispatch_uid="site-pages-del"
    )
    post_save.connect(
        settings_changed, sender=FooterSettings, dispatch_uid="site-pages-fs"
    )
    for model in (PageViewRestriction, FooterSettings, PartnerLink):
        for signal in (post_save, post_delete):
            if model is FooterSettings and signal is post_save:
                continue
            signal.connect(
                public_pages_changed,
                sender=model,
                dispatch_uid=f"site-pages-{model.__name__}-{signal is post_save}",
            )
