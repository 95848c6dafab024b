"""Platforms, their delivery profiles, and the ledger of what went where.

The ledger holds one Delivery per content item and platform. Its state only
changes through ``services.delivery_transition``, which refuses illegal moves
and records every move as a DeliveryEvent: who, when, why and through what.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.search import index

from media_pipeline.fields import user_reference


class Platform(models.Model):
    """A platform the brand delivers to: 央视频, 科普中国, 云上科普, …"""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    slug = models.SlugField(_("标识"), max_length=50, unique=True)
    website = models.URLField(_("网址"), blank=True)
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("平台")
        verbose_name_plural = _("平台")
        ordering = ["name"]

    def __str__(self):
        return self.name


class DeliveryMethod(models.TextChoices):
    PULL = "pull", _("合作方通过接口与订阅源拉取")
    PACKAGE = "package", _("打包后人工上传")


class AspectRatio(models.TextChoices):
    LANDSCAPE = "16:9", _("横屏 16:9")
    PORTRAIT = "9:16", _("竖屏 9:16")
    SQUARE = "1:1", _("方形 1:1")
    CLASSIC = "4:3", _("4:3")


class RequiredMetadata(models.TextChoices):
    CREDITS = "credits", _("主创署名")
    PRODUCING_UNIT = "producing_unit", _("出品单位")
    RIGHTS_HOLDER = "rights_holder", _("版权方")
    SUBTITLES = "subtitles", _("字幕")
    COVER = "cover", _("封面图")
    SUMMARY = "summary", _("内容简介")


class DeliveryProfile(models.Model):
    """What a platform accepts. National platforms publish no ingest
    specification, so seeded profiles say so and stay editable data."""

    platform = models.ForeignKey(
        Platform,
        verbose_name=_("平台"),
        on_delete=models.CASCADE,
        related_name="profiles",
    )
    name = models.CharField(_("名称"), max_length=100)
    transcode_profile = models.ForeignKey(
        "media_pipeline.TranscodeProfile",
        verbose_name=_("转码方案"),
        on_delete=models.PROTECT,
        related_name="delivery_profiles",
        help_text=_("交付文件由媒体库的转码流程按此方案生成。"),
    )
    method = models.CharField(
        _("交付方式"),
        max_length=10,
        choices=DeliveryMethod.choices,
        default=DeliveryMethod.PULL,
    )
    container = models.CharField(_("封装格式"), max_length=10, default="mp4")
    video_codec = models.CharField(_("视频编码"), max_length=20, default="h264")
    audio_codec = models.CharField(_("音频编码"), max_length=20, default="aac")
    min_height = models.PositiveIntegerField(_("最低分辨率（短边）"), default=720)
    accepted_aspects = models.JSONField(
        _("接受的画面比例"), default=list, blank=True, help_text='如 ["16:9"]'
    )
    min_duration = models.PositiveIntegerField(
        _("最短时长（秒）"), null=True, blank=True
    )
    max_duration = models.PositiveIntegerField(
        _("最长时长（秒）"), null=True, blank=True
    )
    loudness_tolerance = models.FloatField(_("响度容差 LU"), default=2.0)
    required_metadata = models.JSONField(
        _("必备元数据"), default=list, blank=True, help_text='如 ["credits", "cover"]'
    )
    cover_sizes = models.JSONField(
        _("封面尺寸"), default=list, blank=True, help_text='如 ["1920x1080"]'
    )
    spec_verified = models.BooleanField(
        _("规格已核实"),
        default=False,
        help_text=_("平台未公开接收规格时保持未核实，并在说明中注明来源。"),
    )
    notes = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("交付规格")
        verbose_name_plural = _("交付规格")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "name"], name="unique_profile_name_per_platform"
            )
        ]

    def __str__(self):
        return f"{self.platform} · {self.name}"


class DeliveryState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    QC_FAILED = "qc_failed", _("质检未通过")
    READY = "ready", _("待交付")
    DELIVERED = "delivered", _("已交付")
    RECEIVED = "received", _("平台已接收")
    ADOPTED = "adopted", _("已采用")
    REJECTED = "rejected", _("未采用")
    WITHDRAWN = "withdrawn", _("已撤回")
    EXPIRED = "expired", _("已过期")


S = DeliveryState
#: Every legal move of the ledger. Anything else is refused.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.READY, S.QC_FAILED, S.WITHDRAWN}),
    S.QC_FAILED: frozenset({S.READY, S.QC_FAILED, S.WITHDRAWN}),
    # ready → ready: QC run again and still passing, recorded with its findings.
    S.READY: frozenset({S.READY, S.DELIVERED, S.QC_FAILED, S.WITHDRAWN}),
    S.DELIVERED: frozenset({S.RECEIVED, S.ADOPTED, S.REJECTED, S.WITHDRAWN, S.EXPIRED}),
    S.RECEIVED: frozenset({S.ADOPTED, S.REJECTED, S.WITHDRAWN, S.EXPIRED}),
    S.ADOPTED: frozenset({S.WITHDRAWN, S.EXPIRED}),
    S.REJECTED: frozenset({S.READY, S.QC_FAILED, S.WITHDRAWN}),
    S.WITHDRAWN: frozenset({S.READY, S.QC_FAILED}),
    S.EXPIRED: frozenset({S.READY, S.QC_FAILED}),
}
#: States in which a version is out with the platform: the partner may see
#: and fetch it (inside its availability window, see ``visible_at``).
VISIBLE_TO_PARTNER = frozenset({S.DELIVERED, S.RECEIVED, S.ADOPTED})
#: States in which the item was taken down after it went out (withdrawn by
#: us, expired, or turned down by the platform): offering it again is a
#: redelivery.
TAKEN_DOWN = frozenset({S.WITHDRAWN, S.EXPIRED, S.REJECTED})
#: States of a delivery being prepared: QC may move these by itself.
IN_PREPARATION = frozenset({S.DRAFT, S.QC_FAILED, S.READY})


class Via(models.TextChoices):
    ADMIN = "admin", _("后台")
    PARTNER_API = "partner_api", _("合作方接口")
    SYSTEM = "system", _("系统")
    #: Recorded by the catalogue import from the office's own records.
    IMPORT = "import", _("目录导入")


# The availability window, written once as a filter and once in Python: the
# two must agree, so they stay side by side.


def window_open_at(at) -> models.Q:
    """Deliveries whose availability window is open at ``at``: no start or
    started, and no end or not yet ended (``is_window_open`` in Python)."""
    return (
        models.Q(available_from__isnull=True) | models.Q(available_from__lte=at)
    ) & (models.Q(available_until__isnull=True) | models.Q(available_until__gt=at))


def is_window_open(available_from, available_until, at) -> bool:
    """``window_open_at`` for one delivery's window."""
    return (available_from is None or available_from <= at) and (
        available_until is None or available_until > at
    )


def visible_at(at) -> models.Q:
    """Deliveries a partner may see at ``at``: out with the platform and
    inside the availability window (``is_visible_at`` in Python)."""
    return models.Q(state__in=VISIBLE_TO_PARTNER) & window_open_at(at)


def is_visible_at(state: str, available_from, available_until, at) -> bool:
    """``visible_at`` for one delivery's state and window."""
    return state in VISIBLE_TO_PARTNER and is_window_open(
        available_from, available_until, at
    )


class DeliveryQuerySet(models.QuerySet):
    def visible_to(self, platform, *, at=None):
        """What a platform's partners may fetch now: delivered to them and
        inside the availability window."""
        at = at or timezone.now()
        return self.filter(platform=platform).filter(visible_at(at))


class Delivery(index.Indexed, models.Model):
    """One content item offered to one platform, and what became of it."""

    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("内容"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    platform = models.ForeignKey(
        Platform,
        verbose_name=_("平台"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    profile = models.ForeignKey(
        DeliveryProfile,
        verbose_name=_("交付规格"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    state = models.CharField(
        _("状态"),
        max_length=20,
        choices=DeliveryState.choices,
        default=S.DRAFT,
        db_index=True,
    )
    asset = models.ForeignKey(
        "media_pipeline.MediaAsset",
        verbose_name=_("交付媒体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    # What was delivered, to tell when the source has changed since.
    delivered_sha256 = models.CharField(
        _("交付时原始文件 SHA-256"), max_length=64, blank=True
    )
    delivered_revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("交付时的页面版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("版本"), default=0)
    qc_report = models.JSONField(_("质检结果"), default=list, blank=True)
    platform_item_id = models.CharField(_("平台内编号"), max_length=200, blank=True)
    platform_url = models.URLField(_("平台链接"), max_length=500, blank=True)
    adopted_on = models.DateField(_("采用日期"), null=True, blank=True)
    rejection_reason = models.TextField(_("未采用原因"), blank=True)
    available_from = models.DateTimeField(_("可用起始"), null=True, blank=True)
    available_until = models.DateTimeField(_("可用截止"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("交付时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    objects = DeliveryQuerySet.as_manager()

    # Found in the 交付台账 by its item's title (the index's title), platform
    # and the platform's own id for it.
    search_fields = [
        index.RelatedFields("page", [index.SearchField("title", boost=2)]),
        index.RelatedFields("platform", [index.SearchField("name")]),
        index.SearchField("platform_item_id"),
    ]

    class Meta:
        verbose_name = _("交付")
        verbose_name_plural = _("交付")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "platform"], name="one_delivery_per_item_and_platform"
            )
        ]
        indexes = [
            # The partner API: a platform's items in (updated_at, id) order and
            # its data version; the next availability window edge.
            models.Index(
                fields=["platform", "updated_at", "id"],
                name="delivery_platform_updated",
            ),
            models.Index(
                fields=["platform", "available_from"], name="delivery_platform_from"
            ),
            models.Index(
                fields=["platform", "available_until"], name="delivery_platform_until"
            ),
        ]

    def __str__(self):
        return f"{self.page.title} → {self.platform}"

    def allowed_next_states(self) -> frozenset[str]:
        return TRANSITIONS[self.state]


class DeliveryEvent(models.Model):
    """One move of a delivery's state, as it happened."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="events"
    )
    from_state = models.CharField(
        _("原状态"), max_length=20, choices=DeliveryState.choices
    )
    to_state = models.CharField(
        _("新状态"), max_length=20, choices=DeliveryState.choices
    )
    actor = user_reference(_("操作人"))
    partner = models.ForeignKey(
        "syndication.PartnerAccount",
        verbose_name=_("合作方"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    via = models.CharField(_("途径"), max_length=20, choices=Via.choices)
    reason = models.TextField(_("原因"), blank=True)
    payload = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("交付记录")
        verbose_name_plural = _("交付记录")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"


class PartnerAccount(models.Model):
    """An organisation that fetches a platform's deliveries over the API."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    platform = models.ForeignKey(
        Platform,
        verbose_name=_("平台"),
        on_delete=models.PROTECT,
        related_name="partners",
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("合作方")
        verbose_name_plural = _("合作方")

    def __str__(self):
        return self.name


class PartnerKey(models.Model):
    """An API key: stored as a hash, shown once, revocable."""

    partner = models.ForeignKey(
        PartnerAccount,
        verbose_name=_("合作方"),
        on_delete=models.CASCADE,
        related_name="keys",
    )
    prefix = models.CharField(_("前缀"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")

    def __str__(self):
        return f"{self.partner} {self.prefix}…"


class PartnerItem(models.Model):
    """A delivered item as the partner API lists it, written ahead of the
    request (``stored_items``), so that a page of the listing is read from
    the database whole instead of being built from the pages, credits and
    topics of its items.

    Made from the delivery as it was at ``delivery_updated_at`` and its page
    as last published at ``page_published_at``, in the site's language, in
    the item format ``item_format``; the listing uses it only while all
    three still hold, and builds the item otherwise."""

    delivery = models.OneToOneField(
        Delivery,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="partner_item",
    )
    delivery_updated_at = models.DateTimeField()
    page_published_at = models.DateTimeField(null=True)
    item_format = models.CharField(max_length=16)
    body = models.TextField()  # the item's JSON
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("接口条目")
        verbose_name_plural = _("接口条目")

    def __str__(self):
        return f"{self.delivery_id} @ {self.delivery_updated_at:%Y-%m-%d %H:%M:%S}"


class FetchRecord(models.Model):
    """Every fetch by a partner: what, which version, from where, when."""

    partner = models.ForeignKey(
        PartnerAccount, on_delete=models.CASCADE, related_name="fetches"
    )
    delivery = models.ForeignKey(
        Delivery,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fetches",
    )
    version = models.PositiveIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=20)  # list, item, download, feed
    path = models.CharField(max_length=500)
    address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("拉取记录")
        verbose_name_plural = _("拉取记录")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["partner", "-created_at"], name="fetchrecord_partner_recent"
            )
        ]

    def __str__(self):
        return f"{self.partner} {self.kind} {self.path}"
