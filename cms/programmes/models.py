from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms.core.deliverables import DeliverableKind, DeliverablePage
from cms.core.forms import SitePageForm
from cms.core.media_facts import with_media_facts
from cms.core.models import (
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

from .forms import EpisodePageForm


class ProgramIndexPage(SectionIndexPage):
    """The list of the brand's TV, radio and online programmes."""

    subpage_types = ["programmes.ProgramPage"]

    class Meta:
        verbose_name = _("节目列表页")
        verbose_name_plural = _("节目列表页")


class ProgramPage(CreditedPageMixin, Page):
    """A programme, such as 百嘎丽科普开讲, which may air on TV and radio at once."""

    description = RichTextField(_("节目简介"), blank=True)
    cover = cover_image_field()

    base_form_class = SitePageForm

    content_panels = Page.content_panels + [
        FieldPanel("cover"),
        FieldPanel("description"),
        InlinePanel("airings", label=_("播出安排"), heading=_("播出安排")),
        InlinePanel("hosts", label=_("主持人"), heading=_("主持人")),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("description"),
        credited_people_search_field("hosts"),
    ]

    parent_page_types = ["programmes.ProgramIndexPage"]
    subpage_types = ["programmes.EpisodePage"]
    credits_relation = "hosts"

    class Meta:
        verbose_name = _("节目")
        verbose_name_plural = _("节目")

    @property
    def medium_labels(self) -> list[str]:
        """The labels of the media the programme airs on, e.g. ['电视', '广播']."""
        seen = []
        for airing in self.airings.all():
            label = airing.channel.get_medium_display()
            if label not in seen:
                seen.append(label)
        return seen

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        episodes = (
            with_media_facts(EpisodePage.objects.child_of(self).live())
            .select_related("channel__broadcaster")
            .order_by("-episode_number")
        )
        context["episodes"] = paginate(request, episodes, per_page=20)
        return context


class ProgramAiring(Orderable):
    """A regular slot of a programme on a channel, e.g. 每周六 19:30 首播."""

    page = ParentalKey(ProgramPage, on_delete=models.CASCADE, related_name="airings")
    channel = models.ForeignKey(
        "broadcasters.Channel",
        verbose_name=_("频道"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    schedule = models.CharField(
        _("播出时间"), max_length=100, help_text=_("例如：每周六 19:30 首播")
    )

    panels = [FieldPanel("channel"), FieldPanel("schedule")]

    class Meta(Orderable.Meta):
        verbose_name = _("播出安排")
        verbose_name_plural = _("播出安排")


class HostRole(models.TextChoices):
    HOST = "host", _("主持人")
    GUEST_HOST = "guest_host", _("嘉宾主持")


class ProgramHost(BaseCredit):
    page = ParentalKey(ProgramPage, on_delete=models.CASCADE, related_name="hosts")
    role = models.CharField(
        _("角色"), max_length=20, choices=HostRole.choices, default=HostRole.HOST
    )

    class Meta(BaseCredit.Meta):
        verbose_name = _("主持人")
        verbose_name_plural = _("主持人")


class EpisodeTopic(TaggedItemBase):
    content_object = ParentalKey(
        "programmes.EpisodePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class EpisodePage(CreditedPageMixin, DeliverablePage, Page):
    """One broadcast episode of a programme."""

    episode_number = models.PositiveIntegerField(_("期数"))
    air_at = models.DateTimeField(_("播出时间"), null=True, blank=True)
    channel = models.ForeignKey(
        "broadcasters.Channel",
        verbose_name=_("播出频道"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duration = models.DurationField(
        _("时长"), null=True, blank=True, help_text=_("格式：时:分:秒，例如 0:28:30")
    )
    summary = models.TextField(_("内容提要"), blank=True)
    topics = ClusterTaggableManager(
        verbose_name=_("主题"), through=EpisodeTopic, blank=True
    )
    transcript = RichTextField(_("文字稿"), blank=True)
    media_asset = media_asset_field(_("节目音视频"))
    cover = cover_image_field()

    base_form_class = EpisodePageForm

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("episode_number"),
                FieldPanel("air_at"),
                FieldPanel("channel"),
                FieldPanel("duration"),
            ],
            heading=_("播出信息"),
        ),
        FieldPanel("media_asset"),
        FieldPanel("cover"),
        FieldPanel("summary"),
        InlinePanel("participants", label=_("嘉宾与专家"), heading=_("嘉宾与专家")),
        ProductionRightsMixin.production_rights_panel(),
        FieldPanel("topics"),
        FieldPanel("transcript"),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("summary", boost=2),
        index.SearchField("transcript"),
        credited_people_search_field("participants"),
        index.RelatedFields("topics", [index.SearchField("name", boost=2)]),
        index.FilterField("episode_number"),
    ]

    parent_page_types = ["programmes.ProgramPage"]
    subpage_types: list[str] = []
    credits_relation = "participants"

    deliverable_kind = DeliverableKind(
        name="episode",
        unit=_("集"),
        credits_relation="participants",
        number_field="episode_number",
        parent_role="programme",
    )

    class Meta:
        verbose_name = _("节目单集")
        verbose_name_plural = _("节目单集")

    @property
    def number_label(self) -> str:
        return _("第 %(n)s 期") % {"n": self.episode_number}

    @property
    def programme(self) -> ProgramPage | None:
        parent = self.get_parent()
        return parent.specific if parent else None

    def episode_number_taken(self, parent: Page) -> bool:
        """Whether a sibling under ``parent`` already has this episode number."""
        return (
            EpisodePage.objects.child_of(parent)
            .filter(episode_number=self.episode_number)
            .exclude(pk=self.pk)
            .exists()
        )


class EpisodeRole(models.TextChoices):
    HOST = "host", _("主持人")
    GUEST = "guest", _("嘉宾")
    EXPERT = "expert", _("专家")


class EpisodeParticipant(BaseCredit):
    page = ParentalKey(
        EpisodePage, on_delete=models.CASCADE, related_name="participants"
    )
    role = models.CharField(_("角色"), max_length=20, choices=EpisodeRole.choices)

    class Meta(BaseCredit.Meta):
        verbose_name = _("嘉宾与专家")
        verbose_name_plural = _("嘉宾与专家")
