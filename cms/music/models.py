from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from cms.core.deliverables import DeliverableKind, DeliverablePage
from cms.core.media_facts import with_media_facts
from cms.core.models import (
    ProductionRightsMixin,
    SectionIndexPage,
    cover_image_field,
    media_asset_field,
)
from cms.people.models import (
    BaseCredit,
    CreditedPageMixin,
    credited_people_search_field,
)

from .forms import MusicWorkPageForm
from .validators import validate_isrc, validate_iswc


class MusicWorkIndexPage(SectionIndexPage):
    """The library of the brand's songs, instrumental music, poetry and musicals."""

    subpage_types = ["music.MusicWorkPage"]
    per_page = 24

    class Meta:
        verbose_name = _("音乐作品列表页")
        verbose_name_plural = _("音乐作品列表页")

    @staticmethod
    def form_filter(request) -> str:
        """The 体裁 asked for in ``?form=``, or "" for all of them."""
        form = request.GET.get("form", "")
        return form if form in MusicForm.values else ""

    def get_listing(self, request):
        works = with_media_facts(MusicWorkPage.objects.child_of(self).live())
        if form := self.form_filter(request):
            works = works.filter(form=form)
        return works.order_by("-year", "title")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["forms"] = MusicForm.choices
        context["current_form"] = self.form_filter(request)
        return context


class MusicForm(models.TextChoices):
    SONG = "song", _("歌曲")
    STRINGS = "strings", _("弦乐")
    WIND = "wind", _("管乐")
    POETRY = "poetry", _("诗歌")
    MUSICAL = "musical", _("音乐剧")
    OTHER = "other", _("其他")


class MusicWorkPage(CreditedPageMixin, DeliverablePage, Page):
    """A song, instrumental piece, poem or musical of the brand."""

    form = models.CharField(_("体裁"), max_length=10, choices=MusicForm.choices)
    year = models.PositiveSmallIntegerField(
        _("创作年份"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    description = RichTextField(_("作品简介"), blank=True)
    lyrics = models.TextField(
        _("歌词或文本"), blank=True, help_text=_("按行书写，分段之间空一行。")
    )
    media_asset = media_asset_field(_("录音或演出录像"))
    score = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("乐谱"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    isrc = models.CharField(
        "ISRC",
        max_length=15,
        blank=True,
        validators=[validate_isrc],
        help_text=_("国际标准录音制品编码（可选），例如 CN-A12-24-00001"),
    )
    iswc = models.CharField(
        "ISWC",
        max_length=15,
        blank=True,
        validators=[validate_iswc],
        help_text=_("国际标准音乐作品编码（可选），例如 T-034.524.680-1"),
    )
    cover = cover_image_field()

    base_form_class = MusicWorkPageForm

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("form"), FieldPanel("year")], heading=_("作品信息")
        ),
        FieldPanel("media_asset"),
        FieldPanel("cover"),
        FieldPanel("description"),
        InlinePanel("credits", label=_("创作与表演"), heading=_("创作与表演")),
        ProductionRightsMixin.production_rights_panel(),
        FieldPanel("lyrics"),
        FieldPanel("score"),
        MultiFieldPanel(
            [FieldPanel("isrc"), FieldPanel("iswc")], heading=_("标准编码")
        ),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("lyrics"),
        index.SearchField("description"),
        credited_people_search_field("credits"),
        index.FilterField("form"),
    ]

    parent_page_types = ["music.MusicWorkIndexPage"]
    subpage_types: list[str] = []

    deliverable_kind = DeliverableKind(
        name="music_work",
        unit=_("首"),
        topics_field=None,
        summary_field="description",
        duration_field=None,
    )

    class Meta:
        verbose_name = _("音乐作品")
        verbose_name_plural = _("音乐作品")


class MusicRole(models.TextChoices):
    LYRICIST = "lyricist", _("作词")
    COMPOSER = "composer", _("作曲")
    ARRANGER = "arranger", _("编曲")
    SINGER = "singer", _("演唱")
    PERFORMER = "performer", _("演奏")
    RECITER = "reciter", _("朗诵")


class MusicCredit(BaseCredit):
    page = ParentalKey(MusicWorkPage, on_delete=models.CASCADE, related_name="credits")
    role = models.CharField(_("角色"), max_length=20, choices=MusicRole.choices)

    class Meta(BaseCredit.Meta):
        verbose_name = _("创作与表演")
        verbose_name_plural = _("创作与表演")
