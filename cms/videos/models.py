from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from cms.core.deliverables import DeliverableKind, DeliverablePage
from cms.core.forms import DeliverablePageForm, SitePageForm
from cms.core.media_facts import with_media_facts
from cms.core.models import (
    DEFAULT_RIGHTS_HOLDER,  # noqa: F401  (kept importable from here)
    ProductionRightsMixin,
    SectionIndexPage,
    cover_image_field,
    media_asset_field,
)
from cms.core.pagination import paginate
from cms.people.models import (
    BaseCredit,
    CreditedPageMixin,
    credited_people_search_field,
)


class VideoIndexPage(SectionIndexPage):
    """The list of the brand's short-video series."""

    subpage_types = ["videos.VideoSeriesPage"]

    class Meta:
        verbose_name = _("短视频列表页")
        verbose_name_plural = _("短视频列表页")


class VideoSeriesPage(Page):
    """A series of short videos, e.g. 百嘎丽带你看非遗里的科普."""

    description = RichTextField(_("系列简介"), blank=True)
    cover = cover_image_field()

    base_form_class = SitePageForm

    content_panels = Page.content_panels + [
        FieldPanel("cover"),
        FieldPanel("description"),
    ]

    search_fields = Page.search_fields + [index.SearchField("description")]

    parent_page_types = ["videos.VideoIndexPage"]
    subpage_types = ["videos.ShortVideoPage"]

    class Meta:
        verbose_name = _("短视频系列")
        verbose_name_plural = _("短视频系列")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        videos = with_media_facts(ShortVideoPage.objects.child_of(self).live())
        videos = videos.order_by("number_in_series")
        context["videos"] = paginate(request, videos, per_page=24)
        return context


class Orientation(models.TextChoices):
    LANDSCAPE = "16:9", _("横屏 16:9")
    PORTRAIT = "9:16", _("竖屏 9:16")


class ShortVideoTopic(TaggedItemBase):
    content_object = ParentalKey(
        "videos.ShortVideoPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ShortVideoPage(CreditedPageMixin, DeliverablePage, Page):
    """One new-media short video in a series."""

    number_in_series = models.PositiveIntegerField(_("集数"))
    orientation = models.CharField(
        _("画面方向"),
        max_length=5,
        choices=Orientation.choices,
        default=Orientation.LANDSCAPE,
    )
    duration = models.DurationField(
        _("时长"), null=True, blank=True, help_text=_("格式：时:分:秒，例如 0:03:20")
    )
    release_date = models.DateField(_("发布日期"), null=True, blank=True)
    summary = models.TextField(_("内容提要"), blank=True)
    topics = ClusterTaggableManager(
        verbose_name=_("主题"), through=ShortVideoTopic, blank=True
    )
    media_asset = media_asset_field(_("视频"))
    cover = cover_image_field()

    base_form_class = DeliverablePageForm

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("number_in_series"),
                FieldPanel("orientation"),
                FieldPanel("duration"),
                FieldPanel("release_date"),
            ],
            heading=_("视频信息"),
        ),
        FieldPanel("media_asset"),
        FieldPanel("cover"),
        FieldPanel("summary"),
        InlinePanel("credits", label=_("主创人员"), heading=_("主创人员")),
        ProductionRightsMixin.production_rights_panel(),
        FieldPanel("topics"),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("summary", boost=2),
        credited_people_search_field("credits"),
        index.RelatedFields("topics", [index.SearchField("name", boost=2)]),
    ]

    parent_page_types = ["videos.VideoSeriesPage"]
    subpage_types: list[str] = []

    deliverable_kind = DeliverableKind(
        name="short_video",
        unit=_("条"),
        number_field="number_in_series",
        parent_role="series",
    )

    class Meta:
        verbose_name = _("短视频")
        verbose_name_plural = _("短视频")

    @property
    def number_label(self) -> str:
        return _("第 %(n)s 集") % {"n": self.number_in_series}

    @property
    def series(self) -> VideoSeriesPage | None:
        parent = self.get_parent()
        return parent.specific if parent else None


class VideoRole(models.TextChoices):
    PRODUCER = "producer", _("出品人")
    DIRECTOR = "director", _("导演")
    WRITER = "writer", _("编剧")
    PRESENTER = "presenter", _("主讲")
    CAMERA = "camera", _("摄像")
    EDITOR = "editor", _("剪辑")
    VOICE = "voice", _("配音")
    ADVISER = "adviser", _("科学顾问")


class ShortVideoCredit(BaseCredit):
    page = ParentalKey(ShortVideoPage, on_delete=models.CASCADE, related_name="credits")
    role = models.CharField(_("角色"), max_length=20, choices=VideoRole.choices)

    class Meta(BaseCredit.Meta):
        verbose_name = _("主创人员")
        verbose_name_plural = _("主创人员")
