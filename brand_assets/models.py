"""The brand asset library: assets, their versions and variants, licences,
kits, download records and the sticker album specification.

An asset (the 百嘎丽 mark, a mascot illustration, a sticker pack…) has
numbered versions; only approved versions are offered outside the team. A
version has variants, one file each: SVG, PNG, GIF, APNG, WebP, PDF, design
sources, or video and audio kept in the media library. Only the services in
``services.py`` create variants, so every stored file has been checked.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import CollectionMember, Page
from wagtail.search import index
from wagtail.search.queryset import SearchableQuerySetMixin

from media_pipeline.fields import user_reference


class AssetKind(models.TextChoices):
    MARK = "mark", _("标志")
    MASCOT = "mascot", _("吉祥物形象")
    STICKER_PACK = "sticker_pack", _("表情包")
    MERCHANDISE = "merchandise", _("文创设计")
    EXERCISE_KIT = "exercise_kit", _("课间操套件")
    PROMO_FILM = "promo_film", _("户外屏宣传片")
    TEMPLATE = "template", _("模板")


class UsageScope(models.TextChoices):
    """What an asset may be used for; licences grant a subset of these."""

    DIGITAL = "digital", _("网络与新媒体")
    PRINT = "print", _("印刷品")
    BROADCAST = "broadcast", _("电视与广播")
    MERCHANDISE = "merchandise", _("文创商品")
    EDUCATION = "education", _("校园教学")
    OUTDOOR = "outdoor", _("户外屏幕")
    EVENT = "event", _("活动现场")


#: Where ``prefetch_approved_version`` puts an asset's approved versions.
APPROVED_VERSIONS_ATTR = "_approved_versions"


class BrandAssetQuerySet(SearchableQuerySetMixin, models.QuerySet):
    def with_approved_version(self):
        return self.filter(versions__is_approved=True).distinct()

    def prefetch_approved_version(self):
        """Fetch every asset's approved version in one more query; then
        ``asset.approved_version`` asks the database nothing."""
        return self.prefetch_related(
            models.Prefetch(
                "versions",
                queryset=BrandAssetVersion.objects.approved(),
                to_attr=APPROVED_VERSIONS_ATTR,
            )
        )

    def public(self):
        """What the public brand page may show."""
        return self.filter(is_public=True).with_approved_version()


class BrandAsset(CollectionMember, index.Indexed, ClusterableModel):
    name = models.CharField(_("名称"), max_length=200)
    slug = models.SlugField(_("标识"), max_length=100, unique=True, allow_unicode=True)
    kind = models.CharField(_("类别"), max_length=20, choices=AssetKind.choices)
    description = models.TextField(_("简介"), blank=True)
    usage_guidance = models.TextField(
        _("使用规范"),
        blank=True,
        help_text=_("如何正确使用：最小尺寸、留白、配色、禁止的改动等。"),
    )
    allowed_uses = models.JSONField(
        _("允许的用途"),
        default=list,
        blank=True,
        help_text=_("授权只能在这些用途之内。"),
    )
    attribution = models.CharField(
        _("署名要求"),
        max_length=255,
        blank=True,
        help_text=_("例如：“百嘎丽 © 鄂尔多斯市科学技术协会”。"),
    )
    is_public = models.BooleanField(
        _("在品牌页展示"),
        default=False,
        help_text=_("已审定的版本会出现在公开的品牌页上。"),
    )
    public_download = models.BooleanField(
        _("允许公众下载"), default=False, help_text=_("不需授权即可从品牌页下载。")
    )
    created_by = user_reference(_("创建者"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = BrandAssetQuerySet.as_manager()

    search_fields = CollectionMember.search_fields + [
        index.SearchField("name", boost=10),
        index.AutocompleteField("name"),
        index.SearchField("description"),
        index.SearchField("slug"),
        index.FilterField("kind"),
        index.FilterField("is_public"),
    ]

    class Meta:
        verbose_name = _("品牌资产")
        verbose_name_plural = _("品牌资产")
        ordering = ["kind", "name"]
        # As Wagtail's images: "choose" lets a role pick assets per collection.
        permissions = [("choose_brandasset", "Can choose brand asset")]

    def __str__(self):
        return self.name

    def clean(self):
        unknown = set(self.allowed_uses or []) - set(UsageScope.values)
        if unknown:
            raise ValidationError(
                {"allowed_uses": _("未知的用途：%s") % "、".join(sorted(unknown))}
            )
        if self.public_download and not self.is_public:
            raise ValidationError(
                {"public_download": _("允许公众下载的资产须同时在品牌页展示。")}
            )

    @property
    def approved_version(self) -> "BrandAssetVersion | None":
        """The newest approved version: what anyone outside the team gets.

        Read from ``BrandAsset.objects.prefetch_approved_version()`` when the
        asset came from there, else one query.
        """
        prefetched = getattr(self, APPROVED_VERSIONS_ATTR, None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return self.versions.approved().first()

    def allowed_use_labels(self) -> list[str]:
        labels = dict(UsageScope.choices)
        return [str(labels.get(use, use)) for use in self.allowed_uses or []]


class BrandAssetVersionQuerySet(models.QuerySet):
    def approved(self):
        """Approved versions, newest first: an asset's first one is current."""
        return self.filter(is_approved=True).order_by("-number")

    def approved_by_asset(self, asset_ids) -> dict[int, "BrandAssetVersion"]:
        """The approved version of each of ``asset_ids`` that has one, in one
        query."""
        current: dict[int, BrandAssetVersion] = {}
        for version in self.approved().filter(asset_id__in=asset_ids):
            current.setdefault(version.asset_id, version)
        return current


class BrandAssetVersion(models.Model):
    asset = models.ForeignKey(
        BrandAsset,
        verbose_name=_("资产"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("版本号"))
    notes = models.TextField(_("版本说明"), blank=True)
    is_approved = models.BooleanField(_("已审定"), default=False, db_index=True)
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    approved_by = user_reference(_("审定人"))
    created_by = user_reference(_("创建者"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = BrandAssetVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("资产版本")
        verbose_name_plural = _("资产版本")
        ordering = ["asset", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "number"], name="brand_version_unique_number"
            )
        ]

    def __str__(self):
        return f"{self.asset} v{self.number}"


class VariantFormat(models.TextChoices):
    SVG = "svg", "SVG"
    PNG = "png", "PNG"
    JPEG = "jpeg", "JPEG"
    GIF = "gif", "GIF"
    APNG = "apng", "APNG"
    WEBP = "webp", "WebP"
    PDF = "pdf", "PDF"
    SOURCE = "source", _("设计源文件")
    VIDEO = "video", _("视频")
    AUDIO = "audio", _("音频")


#: Formats kept as images in Wagtail's library too, for renditions.
RASTER_FORMATS = {
    VariantFormat.PNG,
    VariantFormat.JPEG,
    VariantFormat.GIF,
    VariantFormat.APNG,
    VariantFormat.WEBP,
}
#: Formats whose file lives in the media library (transcoded, played as HLS).
MEDIA_FORMATS = {VariantFormat.VIDEO, VariantFormat.AUDIO}


class VariantRole(models.TextChoices):
    """What a file is within its version; sticker albums need every role."""

    MAIN = "main", _("主文件")
    STICKER = "sticker", _("表情主图")
    STICKER_THUMBNAIL = "sticker_thumbnail", _("表情缩略图")
    COVER = "cover", _("封面图")
    ICON = "icon", _("聊天页图标")
    BANNER = "banner", _("详情页横幅")
    GUIDE = "guide", _("说明文档")
    SOURCE = "source", _("源文件")


def variant_upload_to(instance: "BrandVariant", filename: str) -> str:
    version = instance.version
    return (
        f"brand/{version.asset_id}/v{version.number}/{instance.sha256[:12]}-{filename}"
    )


class BrandVariant(models.Model):
    version = models.ForeignKey(
        BrandAssetVersion,
        verbose_name=_("版本"),
        on_delete=models.CASCADE,
        related_name="variants",
    )
    role = models.CharField(
        _("用途"), max_length=20, choices=VariantRole.choices, default=VariantRole.MAIN
    )
    position = models.PositiveIntegerField(_("顺序"), default=0)
    label = models.CharField(_("说明"), max_length=200, blank=True)
    format = models.CharField(_("格式"), max_length=10, choices=VariantFormat.choices)
    file = models.FileField(
        _("文件"), upload_to=variant_upload_to, max_length=500, blank=True
    )
    media_asset = models.ForeignKey(
        "media_pipeline.MediaAsset",
        verbose_name=_("媒体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("图片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("位图同时存入图片库，用于生成预览尺寸。"),
    )
    original_filename = models.CharField(_("原始文件名"), max_length=255, blank=True)
    content_type = models.CharField(_("类型"), max_length=100, blank=True)
    size = models.BigIntegerField(_("大小（字节）"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    width = models.PositiveIntegerField(_("宽"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高"), null=True, blank=True)
    frames = models.PositiveIntegerField(_("帧数"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("文件变体")
        verbose_name_plural = _("文件变体")
        ordering = ["version", "role", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | models.Q(media_asset__isnull=False),
                name="brand_variant_has_content",
            )
        ]

    def __str__(self):
        return self.label or self.original_filename or f"{self.get_format_display()}"

    @property
    def is_media(self) -> bool:
        return self.format in MEDIA_FORMATS

    @property
    def is_design_source(self) -> bool:
        """A design source (.ai, .psd, .sketch, or a file given that role):
        for the team and licensed kits, never for the public."""
        return self.role == VariantRole.SOURCE or self.format == VariantFormat.SOURCE

    @property
    def download_name(self) -> str:
        return self.original_filename or self.file.name.rsplit("/", 1)[-1]


class LicenseeKind(models.TextChoices):
    PARTNER = "partner", _("合作平台")
    SCHOOL = "school", _("学校")
    ORGANISATION = "organisation", _("其他机构")


def licence_zone() -> ZoneInfo:
    """The time zone licence dates are in: the project's (``TIME_ZONE``).

    Not the active one: Wagtail activates each admin user's own, and a
    licence must end at the same moment whoever looks at it.
    """
    return ZoneInfo(settings.TIME_ZONE)


def licence_today() -> dt.date:
    """Today's date where licences are counted (see ``licence_zone``)."""
    return timezone.localdate(timezone=licence_zone())


class LicenceQuerySet(models.QuerySet):
    def in_force(self, on: dt.date | None = None):
        """Licences that grant something on ``on`` (today by default)."""
        on = on or licence_today()
        return self.filter(revoked_at__isnull=True, starts_on__lte=on, ends_on__gte=on)


class Licence(models.Model):
    """A grant of one asset to a partner or a school, for a period and scope."""

    asset = models.ForeignKey(
        BrandAsset,
        verbose_name=_("资产"),
        on_delete=models.CASCADE,
        related_name="licences",
    )
    licensee_kind = models.CharField(
        _("被授权方类别"),
        max_length=20,
        choices=LicenseeKind.choices,
        default=LicenseeKind.PARTNER,
    )
    partner = models.ForeignKey(
        "syndication.PartnerAccount",
        verbose_name=_("合作方账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="brand_licences",
        help_text=_("通过合作方接口下载时必填。"),
    )
    licensee_name = models.CharField(
        _("被授权方"), max_length=200, help_text=_("学校或机构的全称。")
    )
    uses = models.JSONField(_("授权用途"), default=list)
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"))
    attribution = models.CharField(_("署名要求"), max_length=255, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    created_by = user_reference(_("创建者"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = LicenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("授权")
        verbose_name_plural = _("授权")
        ordering = ["-starts_on", "-id"]

    def __str__(self):
        return f"{self.licensee_name} · {self.asset}"

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("截止日期不能早于起始日期。")
        if self.licensee_kind == LicenseeKind.PARTNER and not self.partner_id:
            errors["partner"] = _("授权给合作平台时须选择其合作方账号。")
        if not self.uses:
            errors["uses"] = _("请至少选择一种授权用途。")
        elif self.asset_id:
            outside = set(self.uses) - set(self.asset.allowed_uses or [])
            if outside:
                labels = dict(UsageScope.choices)
                errors["uses"] = _("这些用途不在该资产允许的范围内：%s") % "、".join(
                    str(labels.get(use, use)) for use in sorted(outside)
                )
        if errors:
            raise ValidationError(errors)

    def is_in_force(self, on: dt.date | None = None) -> bool:
        on = on or licence_today()
        return self.revoked_at is None and self.starts_on <= on <= self.ends_on


class DownloadVia(models.TextChoices):
    PARTNER_API = "partner_api", _("合作方接口")
    LICENCE_LINK = "licence_link", _("授权链接")
    PUBLIC = "public", _("品牌页")
    ADMIN = "admin", _("后台")


class AssetDownload(models.Model):
    """One download of a variant or a kit: who, under which licence, how."""

    asset = models.ForeignKey(
        BrandAsset,
        verbose_name=_("资产"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="downloads",
    )
    asset_name = models.CharField(
        _("资产名称"),
        max_length=200,
        blank=True,
        help_text=_("下载时资产的名称：资产删除后，记录仍能看出下载的是什么。"),
    )
    variant = models.ForeignKey(
        BrandVariant,
        verbose_name=_("文件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kit = models.ForeignKey(
        "BrandKit",
        verbose_name=_("套件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="downloads",
    )
    licence = models.ForeignKey(
        Licence,
        verbose_name=_("授权"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="downloads",
    )
    partner = models.ForeignKey(
        "syndication.PartnerAccount",
        verbose_name=_("合作方"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = user_reference(_("用户"))
    via = models.CharField(_("途径"), max_length=20, choices=DownloadVia.choices)
    ip_address = models.GenericIPAddressField(_("地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("下载记录")
        verbose_name_plural = _("下载记录")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        what = self.variant or self.kit or self.asset
        return f"{what} @ {self.created_at:%Y-%m-%d %H:%M}"


class KitStatus(models.TextChoices):
    PENDING = "pending", _("待生成")
    BUILDING = "building", _("生成中")
    READY = "ready", _("可下载")
    FAILED = "failed", _("失败")


class BrandKit(models.Model):
    """A zipped download kit: every variant of the approved versions of its
    assets and their usage guide. Built in the background; rebuilt only when
    what it is made of (its fingerprint) changes."""

    name = models.CharField(_("名称"), max_length=200)
    slug = models.SlugField(_("标识"), max_length=100, unique=True, allow_unicode=True)
    description = models.TextField(_("简介"), blank=True)
    assets = models.ManyToManyField(
        BrandAsset, verbose_name=_("包含的资产"), related_name="kits"
    )
    include_sources = models.BooleanField(_("包含设计源文件"), default=False)
    status = models.CharField(
        _("状态"), max_length=20, choices=KitStatus.choices, default=KitStatus.PENDING
    )
    failure_reason = models.TextField(_("失败原因"), blank=True)
    file = models.FileField(
        _("压缩包"), upload_to="brand/kits/", max_length=500, blank=True
    )
    size = models.BigIntegerField(_("大小（字节）"), default=0)
    fingerprint = models.CharField(
        _("内容指纹"), max_length=64, blank=True, editable=False
    )
    built_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    build_count = models.PositiveIntegerField(_("生成次数"), default=0, editable=False)
    build_notes = models.TextField(
        _("生成说明"),
        blank=True,
        editable=False,
        help_text=_("上次生成时未能收入的文件等。"),
    )

    class Meta:
        verbose_name = _("下载套件")
        verbose_name_plural = _("下载套件")
        ordering = ["name"]

    def __str__(self):
        return self.name


class StickerSpecItem(models.Model):
    """One line of the WeChat sticker album specification.

    Sources disagree on several limits and WeChat does not publish a stable
    specification, so these are data that managers edit, not constants.
    """

    role = models.CharField(
        _("图片"), max_length=20, choices=VariantRole.choices, unique=True
    )
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    formats = models.JSONField(
        _("格式"), default=list, help_text=_('按优先顺序，例如 ["gif", "png"]。')
    )
    max_bytes = models.PositiveIntegerField(_("大小上限（字节）"))
    counts = models.JSONField(
        _("数量"),
        default=list,
        blank=True,
        help_text=_("允许的张数；留空表示与表情主图相同，或只有一张。"),
    )
    max_fps = models.PositiveIntegerField(_("最高帧率"), null=True, blank=True)
    transparent = models.BooleanField(_("透明背景"), default=False)
    verified = models.BooleanField(_("已核实"), default=False)
    notes = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("表情规格")
        verbose_name_plural = _("表情规格")
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_role_display()} {self.width}×{self.height}"


class BrandLibraryPage(Page):
    """品牌资产 on the public site: what the brand looks like and how to use it."""

    intro = RichTextField(_("导语"), blank=True)
    download_note = RichTextField(
        _("下载说明"),
        blank=True,
        help_text=_("显示在下载区，例如授权与署名的提示。"),
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("download_note"),
    ]

    parent_page_types = ["home.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    class Meta:
        verbose_name = _("品牌资产页")
        verbose_name_plural = _("品牌资产页")

    def get_context(self, request, *args, **kwargs):
        # Imported here: both read the models this module defines.
        from .gallery import public_gallery
        from .kits import kits_public

        context = super().get_context(request, *args, **kwargs)
        context["groups"] = public_gallery()
        context["kits"] = kits_public()
        return context
