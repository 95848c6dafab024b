"""Outdoor screens: the networks of LED screens in buses, stations, the
airport, malls and shop fronts, their pixel sizes, and the playlists of
promo films and slides each network loops.

A playlist's files are made once per screen size (``ScreenRendition``), by
the ``transcode`` queue (``rendering``, ``services``). Writes go through
``services``; the models hold data, their own checks and look-ups.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from brand_assets.models import VariantFormat
from media_pipeline.models import MediaKind

#: Limits of a screen's pixel size: from the smallest LED module panel to 8K.
MIN_SIDE = 32
MAX_SIDE = 7680
MAX_PIXELS = 7680 * 4320
FRAME_RATES = ((25, "25"), (30, "30"), (50, "50"), (60, "60"))
#: How long a slide may stay on screen.
MIN_SLIDE_SECONDS = 1
MAX_SLIDE_SECONDS = 600
#: Brand files a slide may be: still pictures every screen player shows.
SLIDE_FORMATS = [
    str(f) for f in (VariantFormat.PNG, VariantFormat.JPEG, VariantFormat.WEBP)
]


class NetworkKind(models.TextChoices):
    BUS = "bus", _("公交")
    RAIL = "rail", _("铁路")
    AIRPORT = "airport", _("机场")
    RETAIL = "retail", _("商场超市")
    STREET = "street", _("城区商铺")


class ScreenNetwork(models.Model):
    """The screens one operator runs, e.g. 鄂尔多斯公交车载屏."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    slug = models.SlugField(
        _("网址标识"),
        max_length=80,
        unique=True,
        help_text=_("用于接口和播放记录导入，例如 ordos-bus"),
    )
    kind = models.CharField(_("类别"), max_length=20, choices=NetworkKind.choices)
    operator = models.ForeignKey(
        "syndication.PartnerAccount",
        verbose_name=_("运营方（合作方账号）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="screen_networks",
        help_text=_("运营方用这个合作方的接口密钥获取本网络的播放列表"),
    )
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("屏幕网络")
        verbose_name_plural = _("屏幕网络")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Fit(models.TextChoices):
    PAD = "pad", _("完整显示，留黑边")
    CROP = "crop", _("裁切填满")


class ScreenSize(models.Model):
    """One pixel size of a network's screens: each size gets its own files."""

    network = models.ForeignKey(
        ScreenNetwork,
        verbose_name=_("屏幕网络"),
        on_delete=models.CASCADE,
        related_name="sizes",
    )
    name = models.CharField(_("名称"), max_length=100, help_text=_("例如 车厢横条屏"))
    width = models.PositiveIntegerField(_("宽（像素）"))
    height = models.PositiveIntegerField(_("高（像素）"))
    has_sound = models.BooleanField(
        _("播放声音"), default=False, help_text=_("户外屏多数不出声；不出声时烧录字幕")
    )
    fit = models.CharField(
        _("画面适配"), max_length=10, choices=Fit.choices, default=Fit.PAD
    )
    frame_rate = models.PositiveSmallIntegerField(
        _("帧率"), choices=FRAME_RATES, default=25, help_text=_("播放器要求的恒定帧率")
    )

    class Meta:
        verbose_name = _("屏幕尺寸")
        verbose_name_plural = _("屏幕尺寸")
        ordering = ["network", "width", "height"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "width", "height", "has_sound"],
                name="unique_screen_size_per_network",
            )
        ]

    def __str__(self):
        sound = _("有声") if self.has_sound else _("无声")
        return f"{self.name} {self.width}×{self.height} {sound}"

    @property
    def orientation(self) -> str:
        if self.width > self.height:
            return _("横屏")
        if self.height > self.width:
            return _("竖屏")
        return _("方屏")

    @property
    def folder(self) -> str:
        """The size's folder in a playlist zip, e.g. ``768x384-silent``."""
        return f"{self.width}x{self.height}-{'sound' if self.has_sound else 'silent'}"

    def clean(self):
        errors = {}
        for field in ("width", "height"):
            value = getattr(self, field)
            if value is None:
                continue
            if not MIN_SIDE <= value <= MAX_SIDE:
                errors[field] = _("须在 %(min)s 到 %(max)s 像素之间。") % {
                    "min": MIN_SIDE,
                    "max": MAX_SIDE,
                }
            elif value % 2:
                errors[field] = _(
                    "须是偶数：H.264 视频的宽和高都必须是偶数像素（例如 768、384）。"
                )
        if (
            not errors
            and self.width
            and self.height
            and self.width * self.height > MAX_PIXELS
        ):
            errors["width"] = _("画面超过 7680×4320 像素（8K），请核对屏幕参数。")
        if errors:
            raise ValidationError(errors)


class Screen(models.Model):
    """One screen (or LED wall) of a network, where it stands and when it is on."""

    network = models.ForeignKey(
        ScreenNetwork,
        verbose_name=_("屏幕网络"),
        on_delete=models.CASCADE,
        related_name="screens",
    )
    name = models.CharField(_("编号或位置"), max_length=100)
    size = models.ForeignKey(
        ScreenSize,
        verbose_name=_("屏幕尺寸"),
        on_delete=models.PROTECT,
        related_name="screens",
    )
    opens_at = models.TimeField(_("开屏时间"), default=dt.time(6, 0))
    closes_at = models.TimeField(
        _("关屏时间"), default=dt.time(22, 0), help_text=_("早于开屏时间表示次日关屏")
    )

    class Meta:
        verbose_name = _("屏幕")
        verbose_name_plural = _("屏幕")
        ordering = ["network", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "name"], name="unique_screen_name_per_network"
            )
        ]

    def __str__(self):
        return f"{self.network} · {self.name}"

    def clean(self):
        if self.size_id and self.network_id and self.size.network_id != self.network_id:
            raise ValidationError({"size": _("所选尺寸不属于这个屏幕网络。")})
        if self.opens_at is not None and self.opens_at == self.closes_at:
            raise ValidationError({"closes_at": _("关屏时间不能与开屏时间相同。")})


class PlaylistQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date):
        return self.filter(valid_from__lte=day).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )


class Playlist(ClusterableModel):
    """An ordered loop of promo films and slides a network plays for a period."""

    network = models.ForeignKey(
        ScreenNetwork,
        verbose_name=_("屏幕网络"),
        on_delete=models.CASCADE,
        related_name="playlists",
    )
    name = models.CharField(_("名称"), max_length=100)
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("截止日期"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    #: The zip operators download (``packages``), and the SHA-256 of the
    #: playlist document it was built from: a changed document rebuilds it.
    package = models.FileField(_("播放包"), max_length=500, blank=True, editable=False)
    package_key = models.CharField(max_length=64, blank=True, editable=False)

    objects = PlaylistQuerySet.as_manager()

    class Meta:
        verbose_name = _("播放列表")
        verbose_name_plural = _("播放列表")
        ordering = ["network", "-valid_from", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="playlist_valid_range",
            )
        ]

    def __str__(self):
        return f"{self.network} · {self.name}"

    def clean(self):
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("截止日期不能早于生效日期。")})


class ItemKind(models.TextChoices):
    FILM = "film", _("宣传片")
    SLIDE = "slide", _("图片")


class PlaylistItem(Orderable):
    """One entry of the loop: a film from the media library, or a slide from
    the brand library or the image library shown for ``slide_seconds``."""

    playlist = ParentalKey(
        Playlist,
        verbose_name=_("播放列表"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    media_asset = models.ForeignKey(
        "media_pipeline.MediaAsset",
        verbose_name=_("宣传片（媒体库）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    brand_variant = models.ForeignKey(
        "brand_assets.BrandVariant",
        verbose_name=_("图片（品牌资产）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        # Only an approved version reaches anyone outside the team.
        limit_choices_to={"format__in": SLIDE_FORMATS, "version__is_approved": True},
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("图片（图片库）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    slide_seconds = models.PositiveSmallIntegerField(
        _("图片显示时长（秒）"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(MIN_SLIDE_SECONDS),
            MaxValueValidator(MAX_SLIDE_SECONDS),
        ],
    )

    class Meta(Orderable.Meta):
        verbose_name = _("播放条目")
        verbose_name_plural = _("播放条目")

    def __str__(self):
        return self.title

    @property
    def kind(self) -> str:
        return ItemKind.FILM if self.media_asset_id else ItemKind.SLIDE

    @property
    def title(self) -> str:
        if self.media_asset_id:
            return self.media_asset.title
        if self.brand_variant_id:
            return str(self.brand_variant.version.asset)
        if self.image_id:
            return self.image.title
        return ""

    def clean(self):
        sources = [self.media_asset_id, self.brand_variant_id, self.image_id]
        chosen = sum(1 for source in sources if source)
        if chosen != 1:
            raise ValidationError(
                _("每个条目须且只能选一项：宣传片、品牌资产图片或图片库图片。")
            )
        if self.media_asset_id:
            if self.slide_seconds:
                raise ValidationError(
                    {"slide_seconds": _("宣传片按片长播放，不填显示时长。")}
                )
            if self.media_asset.kind and self.media_asset.kind != MediaKind.VIDEO:
                raise ValidationError(
                    {"media_asset": _("只能选视频：户外屏不播放纯音频。")}
                )
        elif not self.slide_seconds:
            raise ValidationError({"slide_seconds": _("图片须填显示时长（秒）。")})
        variant = self.brand_variant if self.brand_variant_id else None
        if variant and variant.format not in SLIDE_FORMATS:
            raise ValidationError(
                {"brand_variant": _("只能选 PNG、JPEG 或 WebP 格式的品牌图片。")}
            )
        if variant and not variant.version.is_approved:
            raise ValidationError(
                {
                    "brand_variant": _(
                        "只能选已审定版本的品牌图片：未审定的不能给屏幕运营方。"
                    )
                }
            )


class RenditionStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    READY = "ready", _("已生成")
    FAILED = "failed", _("失败")


def rendition_upload_to(instance: "ScreenRendition", filename: str) -> str:
    return (
        f"screens/{instance.item.playlist_id}/{instance.size.folder}/"
        f"{instance.item_id}-{instance.source_key[:12]}-{filename}"
    )


class ScreenRendition(models.Model):
    """A playlist item's file for one screen size, and its facts."""

    item = models.ForeignKey(
        PlaylistItem,
        verbose_name=_("播放条目"),
        on_delete=models.CASCADE,
        related_name="renditions",
    )
    size = models.ForeignKey(
        ScreenSize,
        verbose_name=_("屏幕尺寸"),
        on_delete=models.CASCADE,
        related_name="renditions",
    )
    #: What the file was made from (source, size settings, subtitles): a
    #: rendition whose key no longer matches is made again.
    source_key = models.CharField(max_length=64)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=RenditionStatus.choices,
        default=RenditionStatus.PENDING,
    )
    failure_reason = models.TextField(_("失败原因"), blank=True)
    file = models.FileField(
        _("文件"), upload_to=rendition_upload_to, max_length=500, blank=True
    )
    bytes = models.BigIntegerField(_("大小（字节）"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    width = models.PositiveIntegerField(_("宽"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高"), null=True, blank=True)
    duration = models.FloatField(_("时长（秒）"), null=True, blank=True)
    has_audio = models.BooleanField(_("含声音"), default=False)
    burned_subtitles = models.BooleanField(_("烧录字幕"), default=False)
    made_at = models.DateTimeField(_("生成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("屏幕文件")
        verbose_name_plural = _("屏幕文件")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "size"], name="one_screen_rendition_per_item_and_size"
            )
        ]

    def __str__(self):
        return f"{self.item} · {self.size}"


class PlayRecord(models.Model):
    """A play an operator's proof-of-play log reports, matched to a playlist
    item by its title, or left unmatched for a person."""

    network = models.ForeignKey(
        ScreenNetwork,
        verbose_name=_("屏幕网络"),
        on_delete=models.CASCADE,
        related_name="plays",
    )
    log_name = models.CharField(_("记录文件"), max_length=255)
    line_number = models.PositiveIntegerField(_("行号"))
    screen_name = models.CharField(_("屏幕"), max_length=100, blank=True)
    title = models.CharField(_("节目名称"), max_length=255)
    started_at = models.DateTimeField(_("开始"))
    ended_at = models.DateTimeField(_("结束"))
    item = models.ForeignKey(
        PlaylistItem,
        verbose_name=_("对应条目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plays",
    )
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("播放记录")
        verbose_name_plural = _("播放记录")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "screen_name", "started_at", "title"],
                name="one_play_record_per_screen_start_and_title",
            )
        ]

    def __str__(self):
        where = self.screen_name or self.network
        return f"{where} {self.started_at:%Y-%m-%d %H:%M} {self.title}"
