"""Building blocks the content apps share."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from .forms import SitePageForm
from .pagination import paginate

#: Who makes and owns the brand's own work unless a page says otherwise.
DEFAULT_RIGHTS_HOLDER = "鄂尔多斯市科学技术协会"


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


class DownloadChoice(models.TextChoices):
    """Whether a media page's public player offers its file as a download."""

    FOLLOW_RIGHTS = "rights", _("跟随版权方（默认）")
    ALLOW = "allow", _("允许")
    DENY = "deny", _("不允许")


class ProductionRightsMixin(models.Model):
    """Who produced a work (出品单位) and who holds its rights (版权方).

    National platforms ask for both in the closing credits and the delivery
    metadata; syndication QC checks them when a delivery profile requires
    them. Episodes, short videos and music works share these fields, and
    with them the editor's choice of whether the public page offers the
    work's file as a download (``allow_download``; who may give it away
    follows from who owns it unless the editor says otherwise).
    """

    producing_unit = models.CharField(
        _("出品单位"),
        max_length=200,
        blank=True,
        default=DEFAULT_RIGHTS_HOLDER,
        help_text=_("片尾与交付元数据中署名的出品单位；平台要求时必填。"),
    )
    rights_holder = models.CharField(
        _("版权方"),
        max_length=200,
        blank=True,
        default=DEFAULT_RIGHTS_HOLDER,
        help_text=_("作品的著作权人；平台要求时必填。"),
    )
    allow_download = models.CharField(
        _("公开页面提供下载"),
        max_length=10,
        choices=DownloadChoice.choices,
        default=DownloadChoice.FOLLOW_RIGHTS,
        help_text=_(
            "是否在公开页面与嵌入播放器中显示“下载”按钮。"
            "跟随版权方：版权方为本会（鄂尔多斯市科学技术协会）时提供下载，"
            "其他版权方的作品只能在线播放。"
        ),
    )

    class Meta:
        abstract = True

    @classmethod
    def production_rights_panel(cls) -> MultiFieldPanel:
        return MultiFieldPanel(
            [
                FieldPanel("producing_unit"),
                FieldPanel("rights_holder"),
                FieldPanel("allow_download"),
            ],
            heading=_("出品与版权"),
        )


class SectionIndexPage(Page):
    """A section under the home page (节目, 短视频, 音乐作品): an introduction
    and its live children, paginated, in ``items``."""

    intro = RichTextField(_("导语"), blank=True)

    base_form_class = SitePageForm

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
