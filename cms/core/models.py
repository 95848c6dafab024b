"""Building blocks the content apps share."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from .pagination import paginate


def cover_image_field(verbose_name: str | None = None) -> models.ForeignKey:
    """An optional image, kept when the image is deleted elsewhere."""
    return models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=verbose_name or _("封面"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


def media_asset_field(verbose_name: str) -> models.ForeignKey:
    """The video or audio a page plays, picked from the media library."""
    return models.ForeignKey(
        "media_pipeline.MediaAsset",
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


class SectionIndexPage(Page):
    """A section under the home page (节目, 短视频, 音乐作品): an introduction
    and its live children, paginated, in ``items``."""

    intro = RichTextField(_("导语"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["home.HomePage"]
    max_count_per_parent = 1
    per_page = 12

    class Meta:
        abstract = True

    def get_listing(self, request) -> models.QuerySet:
        child_model = self.specific_class.allowed_subpage_models()[0]
        return (
            child_model.objects.child_of(self)
            .live()
            .select_related("cover")
            .order_by("path")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["items"] = paginate(
            request, self.get_listing(request), per_page=self.per_page
        )
        return context
