from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.models import Orderable
from wagtail.search import index


class Medium(models.TextChoices):
    TV = "tv", _("电视")
    RADIO = "radio", _("广播")
    ONLINE = "online", _("网络")


class Broadcaster(index.Indexed, ClusterableModel):
    """A station or platform that carries the brand's programmes."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    website = models.URLField(_("网址"), blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("short_name"),
        FieldPanel("website"),
        InlinePanel("channels", label=_("频道与频率"), min_num=1),
    ]

    search_fields = [index.SearchField("name"), index.SearchField("short_name")]

    class Meta:
        verbose_name = _("播出机构")
        verbose_name_plural = _("播出机构")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Channel(Orderable):
    """A TV channel, radio frequency or online channel of a broadcaster."""

    broadcaster = ParentalKey(
        Broadcaster,
        verbose_name=_("播出机构"),
        on_delete=models.CASCADE,
        related_name="channels",
    )
    name = models.CharField(_("频道名称"), max_length=100)
    medium = models.CharField(_("媒介"), max_length=10, choices=Medium.choices)
    frequency = models.CharField(
        _("频率或频道号"), max_length=50, blank=True, help_text=_("例如：FM 95.4")
    )

    panels = [FieldPanel("name"), FieldPanel("medium"), FieldPanel("frequency")]

    class Meta(Orderable.Meta):
        verbose_name = _("频道")
        verbose_name_plural = _("频道")
        constraints = [
            models.UniqueConstraint(
                fields=["broadcaster", "name"], name="unique_channel_per_broadcaster"
            )
        ]

    def __str__(self):
        return f"{self.broadcaster.short_name or self.broadcaster.name} {self.name}"
