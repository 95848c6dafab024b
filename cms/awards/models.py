from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, PageChooserPanel
from wagtail.models import Orderable, Page
from wagtail.search import index

# The kinds of page a jury can honour.
HONOURABLE_PAGE_TYPES = [
    "programmes.ProgramPage",
    "programmes.EpisodePage",
    "videos.VideoSeriesPage",
    "videos.ShortVideoPage",
    "music.MusicWorkPage",
]


class AwardResult(models.TextChoices):
    WON = "won", _("获奖")
    NOMINATED = "nominated", _("提名")
    SHORTLISTED = "shortlisted", _("入围")
    SELECTED = "selected", _("入选")


class AwardQuerySet(models.QuerySet):
    def for_page(self, page: Page) -> "AwardQuerySet":
        """The awards that honour ``page``, newest first (none for a page
        that is not saved yet, as in the editor's preview of a new page)."""
        if page.pk is None:
            return self.none()
        return (
            self.filter(honoured_works__page=page).distinct().order_by("-year", "name")
        )


class Award(index.Indexed, ClusterableModel):
    """An award, nomination or selection won by the brand's works."""

    name = models.CharField(
        _("奖项名称"), max_length=200, help_text=_("例如：典赞·科普中国")
    )
    category = models.CharField(
        _("类别"), max_length=200, blank=True, help_text=_("例如：年度科普作品")
    )
    issuer = models.CharField(_("颁发机构"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    result = models.CharField(_("结果"), max_length=20, choices=AwardResult.choices)
    description = models.TextField(_("说明"), blank=True)

    objects = AwardQuerySet.as_manager()

    panels = [
        FieldPanel("name"),
        FieldPanel("category"),
        FieldPanel("issuer"),
        FieldPanel("year"),
        FieldPanel("result"),
        FieldPanel("description"),
        InlinePanel("honoured_works", label=_("获奖作品"), heading=_("获奖作品")),
    ]

    search_fields = [index.SearchField("name"), index.SearchField("category")]

    class Meta:
        verbose_name = _("荣誉奖项")
        verbose_name_plural = _("荣誉奖项")
        ordering = ["-year", "name"]

    def __str__(self):
        return f"{self.year} {self.name} {self.category}".strip()


class HonouredWork(Orderable):
    award = ParentalKey(Award, on_delete=models.CASCADE, related_name="honoured_works")
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("作品"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    panels = [PageChooserPanel("page", page_type=HONOURABLE_PAGE_TYPES)]

    class Meta(Orderable.Meta):
        verbose_name = _("获奖作品")
        verbose_name_plural = _("获奖作品")
        constraints = [
            models.UniqueConstraint(fields=["award", "page"], name="unique_award_page")
        ]
