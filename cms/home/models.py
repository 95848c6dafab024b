from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.models import Orderable, Page

from cms.core.media_facts import with_media_facts
from cms.core.relations import child_rows
from cms.music.models import MusicWorkPage
from cms.programmes.models import EpisodePage
from cms.videos.models import ShortVideoPage

LATEST_COUNT = 6


class HomePage(Page):
    """The brand's landing page."""

    tagline = models.CharField(_("标语"), max_length=200, blank=True)
    intro = models.TextField(_("导语"), blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("头图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = Page.content_panels + [
        FieldPanel("tagline"),
        FieldPanel("intro"),
        FieldPanel("hero_image"),
        InlinePanel("featured_programmes", label=_("推荐节目"), heading=_("推荐节目")),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "programmes.ProgramIndexPage",
        "videos.VideoIndexPage",
        "music.MusicWorkIndexPage",
        "brand_assets.BrandLibraryPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = _("首页")
        verbose_name_plural = _("首页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["featured_programmes"] = [
            item.programme
            for item in child_rows(self.featured_programmes, "programme__cover")
            # A draft keeps rows whose programme has since been deleted.
            if item.programme is not None and item.programme.live
        ]
        context["latest_episodes"] = with_media_facts(
            EpisodePage.objects.live().descendant_of(self)
        ).order_by("-air_at", "-pk")[:LATEST_COUNT]
        context["latest_videos"] = with_media_facts(
            ShortVideoPage.objects.live().descendant_of(self)
        ).order_by("-release_date", "-pk")[:LATEST_COUNT]
        context["music_works"] = with_media_facts(
            MusicWorkPage.objects.live().descendant_of(self)
        ).order_by("-year", "-pk")[:LATEST_COUNT]
        return context


class HomeFeaturedProgramme(Orderable):
    page = ParentalKey(
        HomePage, on_delete=models.CASCADE, related_name="featured_programmes"
    )
    programme = models.ForeignKey(
        "programmes.ProgramPage",
        verbose_name=_("节目"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    panels = [FieldPanel("programme")]

    class Meta(Orderable.Meta):
        verbose_name = _("推荐节目")
        verbose_name_plural = _("推荐节目")
