"""The media library: assets, their renditions, transcode profiles and jobs.

Only the services in ``services.py`` change an asset's or a job's state.
"""

import uuid

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from wagtail.models import CollectionMember
from wagtail.search import index
from wagtail.search.queryset import SearchableQuerySetMixin

from .fields import user_reference


class MediaKind(models.TextChoices):
    VIDEO = "video", _("视频")
    AUDIO = "audio", _("音频")


class AssetStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    PROCESSING = "processing", _("处理中")
    READY = "ready", _("可用")
    FAILED = "failed", _("失败")


class LoudnessStandard(models.TextChoices):
    GY_T_282 = "gy_t_282", _("GY/T 282-2014 电视 (−24 LKFS)")
    GY_T_377_QUIET = "gy_t_377_quiet", _("GY/T 377-2023 网络·安静环境 (−24 LKFS)")
    GY_T_377_MOBILE = "gy_t_377_mobile", _("GY/T 377-2023 网络·移动嘈杂 (−15 LKFS)")
    EBU_R128 = "ebu_r128", _("EBU R128 (−23 LUFS)")
    ATSC_A85 = "atsc_a85", _("ATSC A/85 (−24 LKFS)")
    CUSTOM = "custom", _("自定义")


def default_ladder() -> list[dict]:
    """The default H.264 ladder, after Apple's HLS authoring specification."""
    return [
        {"height": 1080, "video_kbps": 6000, "max_fps": 60},
        {"height": 720, "video_kbps": 3000, "max_fps": 60},
        {"height": 480, "video_kbps": 1100, "max_fps": 30},
        {"height": 360, "video_kbps": 365, "max_fps": 30},
    ]


class TranscodeProfile(models.Model):
    """What the pipeline makes of an asset: the ladder, codecs and loudness.

    Administrators edit these; the syndication app's delivery profiles point at
    them so a platform's renditions come from this same pipeline.
    """

    name = models.CharField(_("名称"), max_length=100, unique=True)
    slug = models.SlugField(_("标识"), max_length=50, unique=True)
    description = models.TextField(_("说明"), blank=True)
    is_default = models.BooleanField(_("默认方案"), default=False)
    ladder = models.JSONField(
        _("码率阶梯"),
        default=default_ladder,
        help_text=_("每档：height 高度、video_kbps 视频码率、max_fps 最高帧率"),
    )
    h264_profile = models.CharField(_("H.264 档次"), max_length=10, default="high")
    h264_level = models.CharField(_("H.264 级别"), max_length=5, default="4.2")
    x264_preset = models.CharField(_("x264 预设"), max_length=20, default="veryfast")
    segment_seconds = models.PositiveSmallIntegerField(_("切片时长（秒）"), default=6)
    keyframe_seconds = models.PositiveSmallIntegerField(
        _("关键帧间隔（秒）"), default=2
    )
    audio_kbps = models.PositiveSmallIntegerField(_("音频码率 kbit/s"), default=128)
    audio_sample_rate = models.PositiveIntegerField(_("音频采样率"), default=48000)
    download_height = models.PositiveSmallIntegerField(
        _("下载版 MP4 高度"), default=720
    )
    loudness_standard = models.CharField(
        _("响度标准"),
        max_length=20,
        choices=LoudnessStandard.choices,
        default=LoudnessStandard.GY_T_282,
    )
    loudness_target = models.FloatField(_("目标响度 LKFS"), default=-24.0)
    true_peak_limit = models.FloatField(_("真峰值上限 dBTP"), default=-2.0)
    loudness_range_target = models.FloatField(_("响度范围目标 LU"), default=11.0)

    class Meta:
        verbose_name = _("转码方案")
        verbose_name_plural = _("转码方案")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_transcode_profile",
            )
        ]

    def __str__(self):
        return self.name


class MediaAssetQuerySet(SearchableQuerySetMixin, models.QuerySet):
    def ready(self):
        return self.filter(status=AssetStatus.READY)

    def with_renditions(self):
        return self.select_related("published_job").prefetch_related(
            "published_job__renditions"
        )


def original_upload_to(instance: "MediaAsset", filename: str) -> str:
    # Content-addressed, so the same bytes can never be stored twice.
    return f"media/originals/{instance.sha256[:2]}/{instance.sha256}/{filename}"


class MediaAsset(CollectionMember, index.Indexed, ClusterableModel):
    """A video or audio original and, once processed, its renditions."""

    title = models.CharField(_("标题"), max_length=255)
    #: The asset's address in file URLs (``/media-files/<key>/…``): random,
    #: so counting through ids finds nothing (see ``access``).
    key = models.UUIDField(
        _("文件地址标识"), default=uuid.uuid4, unique=True, editable=False
    )
    kind = models.CharField(
        _("类型"), max_length=10, choices=MediaKind.choices, blank=True
    )
    original = models.FileField(
        _("原始文件"), upload_to=original_upload_to, max_length=500
    )
    original_filename = models.CharField(_("原始文件名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True, editable=False)
    size = models.BigIntegerField(_("大小（字节）"), editable=False)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=AssetStatus.choices,
        default=AssetStatus.UPLOADED,
        db_index=True,
    )
    failure_reason = models.TextField(_("失败原因"), blank=True)

    # Facts found by probing the original.
    container = models.CharField(_("封装格式"), max_length=50, blank=True)
    duration = models.FloatField(_("时长（秒）"), null=True, blank=True)
    width = models.PositiveIntegerField(_("宽"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高"), null=True, blank=True)
    frame_rate = models.FloatField(_("帧率"), null=True, blank=True)
    video_codec = models.CharField(_("视频编码"), max_length=30, blank=True)
    audio_codec = models.CharField(_("音频编码"), max_length=30, blank=True)
    probe = models.JSONField(_("探测结果"), default=dict, blank=True)

    # Loudness of the original (ITU-R BS.1770 as GY/T 262 and EBU R128 use).
    loudness_integrated = models.FloatField(_("综合响度 LUFS"), null=True, blank=True)
    loudness_range = models.FloatField(_("响度范围 LU"), null=True, blank=True)
    loudness_true_peak = models.FloatField(_("真峰值 dBTP"), null=True, blank=True)

    published_job = models.ForeignKey(
        "TranscodeJob",
        verbose_name=_("当前转码结果"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("其渲染文件即对外可见的版本。"),
    )
    tags = TaggableManager(
        through="TaggedMediaAsset", blank=True, verbose_name=_("标签")
    )
    uploaded_by = user_reference(_("上传者"))
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = MediaAssetQuerySet.as_manager()

    search_fields = CollectionMember.search_fields + [
        index.SearchField("title", boost=10),
        index.AutocompleteField("title"),
        index.SearchField("original_filename"),
        index.FilterField("kind"),
        index.FilterField("status"),
        index.RelatedFields("tags", [index.SearchField("name", boost=5)]),
    ]

    class Meta:
        verbose_name = _("媒体")
        verbose_name_plural = _("媒体")
        ordering = ["-created_at"]
        permissions = [("choose_mediaasset", "Can choose media asset")]

    def __str__(self):
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.status == AssetStatus.READY

    @property
    def renditions(self) -> models.QuerySet:
        """The published renditions; empty until a job has published."""
        if self.published_job_id is None:
            return Rendition.objects.none()
        return Rendition.objects.filter(job_id=self.published_job_id)

    def rendition(self, kind: str) -> "Rendition | None":
        return self.renditions.filter(kind=kind).order_by("-height").first()

    def get_admin_url(self) -> str:
        return reverse("media:inspect", args=(self.pk,))


class TaggedMediaAsset(TaggedItemBase):
    content_object = ParentalKey(
        MediaAsset, on_delete=models.CASCADE, related_name="tagged_items"
    )


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("转码中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


class JobPhase(models.TextChoices):
    WAITING = "waiting", _("等待")
    FETCHING = "fetching", _("读取原始文件")
    PROBING = "probing", _("检测")
    MEASURING = "measuring", _("测量响度")
    TRANSCODING = "transcoding", _("转码")
    STORING = "storing", _("保存")
    DONE = "done", _("完成")


class TranscodeJobQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])

    def stale(self, *, heartbeat_before):
        """Running jobs whose worker has stopped reporting: it probably died."""
        return self.filter(status=JobStatus.RUNNING, heartbeat_at__lt=heartbeat_before)


class TranscodeJob(models.Model):
    """One run of a transcode profile over one version of an asset's original.

    The key (asset, profile, source hash) makes the work idempotent: the same
    bytes through the same profile are one job, however often it is asked for.
    """

    asset = models.ForeignKey(
        MediaAsset,
        verbose_name=_("媒体"),
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    profile = models.ForeignKey(
        TranscodeProfile,
        verbose_name=_("转码方案"),
        on_delete=models.PROTECT,
        related_name="jobs",
    )
    source_sha256 = models.CharField(_("原始文件 SHA-256"), max_length=64)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=JobStatus.choices,
        default=JobStatus.QUEUED,
        db_index=True,
    )
    phase = models.CharField(
        _("阶段"), max_length=20, choices=JobPhase.choices, default=JobPhase.WAITING
    )
    progress = models.FloatField(_("进度 %"), default=0)
    eta_seconds = models.PositiveIntegerField(_("预计剩余秒数"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    failure_reason = models.TextField(_("失败原因"), blank=True)
    # Each run writes under its own prefix; only the run holding the current
    # token may publish, so a run a dead worker left behind can never win.
    run_token = models.UUIDField(_("运行标识"), default=uuid.uuid4)
    celery_task_id = models.CharField(max_length=255, blank=True)
    worker = models.CharField(_("工作进程"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = TranscodeJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("转码任务")
        verbose_name_plural = _("转码任务")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "profile", "source_sha256"],
                name="one_job_per_asset_profile_source",
            )
        ]

    def __str__(self):
        return f"{self.asset} · {self.profile} · {self.get_status_display()}"

    @property
    def output_prefix(self) -> str:
        return self.prefix_for(self.asset_id, self.pk, self.run_token)

    @staticmethod
    def prefix_for(asset_id: int, job_id: int, run_token: uuid.UUID) -> str:
        """Where a run of a job stores its outputs (unique to the run)."""
        return f"media/renditions/{asset_id}/{job_id}-{run_token.hex[:12]}"

    @property
    def is_active(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)


class ChunkPart(models.TextChoices):
    VIDEO = "video", _("视频分段")
    AUDIO = "audio", _("音频")


class ChunkStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("转码中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class TranscodeChunkQuerySet(models.QuerySet):
    def of_run(self, job: "TranscodeJob"):
        """The parts of the job's current run (earlier runs' rows are gone,
        but a disowned run's task may still hold its token)."""
        return self.filter(job=job, run_token=job.run_token)


class TranscodeChunk(models.Model):
    """One part of a chunked transcode: a time range of the video encoded
    into every rung, or the whole audio, or the stills. Its manifest is what
    the assembly checks and joins (see ``chunking``)."""

    job = models.ForeignKey(
        TranscodeJob,
        verbose_name=_("转码任务"),
        on_delete=models.CASCADE,
        related_name="chunks",
    )
    run_token = models.UUIDField(_("运行标识"))
    part = models.CharField(_("部分"), max_length=10, choices=ChunkPart.choices)
    index = models.PositiveIntegerField(_("序号"))
    start = models.FloatField(_("开始（秒）"))
    duration = models.FloatField(_("时长（秒）"))
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=ChunkStatus.choices,
        default=ChunkStatus.QUEUED,
    )
    worker = models.CharField(_("工作进程"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    failure_reason = models.TextField(_("失败原因"), blank=True)
    celery_task_id = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    #: What the part needs beyond its job to run (the audio: the measured
    #: loudness its normalisation uses).
    spec = models.JSONField(_("参数"), default=dict, blank=True)
    manifest = models.JSONField(_("清单"), default=dict, blank=True)

    objects = TranscodeChunkQuerySet.as_manager()

    class Meta:
        verbose_name = _("转码分段")
        verbose_name_plural = _("转码分段")
        ordering = ["job", "part", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "run_token", "part", "index"],
                name="one_transcode_chunk_per_part",
            )
        ]

    def __str__(self):
        return f"{self.job_id} · {self.get_part_display()} {self.index}"

    @property
    def elapsed_seconds(self) -> float | None:
        """How long its last attempt took, once finished."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class RenditionKind(models.TextChoices):
    HLS_MASTER = "hls_master", _("HLS 主播放列表")
    HLS_VARIANT = "hls_variant", _("HLS 码率档")
    MP4 = "mp4", _("MP4 下载版")
    M4A = "m4a", _("M4A 音频")
    MP3 = "mp3", _("MP3 音频")
    POSTER = "poster", _("海报帧")
    THUMBNAIL = "thumbnail", _("缩略图")
    SPRITE = "sprite", _("预览拼图")
    SPRITE_VTT = "sprite_vtt", _("预览拼图 WebVTT")
    WAVEFORM = "waveform", _("波形图")


class Rendition(models.Model):
    """One file a job made, stored under the job's output prefix."""

    job = models.ForeignKey(
        TranscodeJob, on_delete=models.CASCADE, related_name="renditions"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=RenditionKind.choices)
    name = models.CharField(_("存储名"), max_length=500)
    mime_type = models.CharField(_("MIME 类型"), max_length=100)
    size = models.BigIntegerField(_("大小（字节）"))
    width = models.PositiveIntegerField(_("宽"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高"), null=True, blank=True)
    bitrate = models.PositiveIntegerField(_("码率 bit/s"), null=True, blank=True)
    duration = models.FloatField(_("时长（秒）"), null=True, blank=True)

    class Meta:
        verbose_name = _("渲染文件")
        verbose_name_plural = _("渲染文件")
        constraints = [
            models.UniqueConstraint(
                fields=["job", "name"], name="unique_rendition_name"
            )
        ]
        indexes = [models.Index(fields=["job", "kind"])]

    def __str__(self):
        return self.name


class SubtitleLanguage(models.TextChoices):
    """BCP 47 tags, as WebVTT players and platforms expect them."""

    ZH_HANS = "zh-Hans", _("简体中文")
    ZH_HANT = "zh-Hant", _("繁体中文")
    MN_MONG = "mn-Mong", _("蒙古文（传统蒙古文）")
    EN = "en", _("英语")


#: The languages that count as Chinese subtitles.
CHINESE_SUBTITLE_LANGUAGES = (SubtitleLanguage.ZH_HANS, SubtitleLanguage.ZH_HANT)


class SubtitleKind(models.TextChoices):
    SUBTITLES = "subtitles", _("字幕")
    CAPTIONS = "captions", _("听障字幕（含声音描述）")


def subtitle_upload_to(instance: "SubtitleTrack", filename: str) -> str:
    # A new name for new content, so a replaced track is never served stale.
    return (
        f"media/subtitles/{instance.asset_id}/"
        f"{instance.language}-{instance.kind}-{instance.sha256[:12]}.vtt"
    )


class SubtitleTrackQuerySet(models.QuerySet):
    def chinese(self):
        return self.filter(language__in=CHINESE_SUBTITLE_LANGUAGES)

    def in_order(self):
        """Chinese first, then by language, subtitles before captions: the
        order of the player's menu and of a delivery package."""
        return self.order_by(
            models.Case(
                models.When(language__in=CHINESE_SUBTITLE_LANGUAGES, then=0),
                default=1,
            ),
            "language",
            models.Case(models.When(kind=SubtitleKind.SUBTITLES, then=0), default=1),
        )


class SubtitleTrack(models.Model):
    """A timed-text track of an asset, stored as WebVTT whatever was uploaded.

    Tracks belong to the asset, not to a transcode: every rendition of the
    asset plays with them, and deliveries carry them. Added and replaced only
    through ``services.subtitles``, which validates and converts the file.
    """

    asset = models.ForeignKey(
        MediaAsset,
        verbose_name=_("媒体"),
        on_delete=models.CASCADE,
        related_name="subtitle_tracks",
    )
    language = models.CharField(
        _("语言"), max_length=20, choices=SubtitleLanguage.choices
    )
    kind = models.CharField(
        _("类型"),
        max_length=20,
        choices=SubtitleKind.choices,
        default=SubtitleKind.SUBTITLES,
    )
    label = models.CharField(_("名称"), max_length=100)
    file = models.FileField(
        _("WebVTT 文件"), upload_to=subtitle_upload_to, max_length=500
    )
    original_filename = models.CharField(_("上传的文件名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    size = models.PositiveIntegerField(_("大小（字节）"), editable=False)
    cue_count = models.PositiveIntegerField(_("字幕条数"), editable=False)
    end_seconds = models.FloatField(_("最后一条结束于（秒）"), editable=False)
    uploaded_by = user_reference(_("上传者"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SubtitleTrackQuerySet.as_manager()

    class Meta:
        verbose_name = _("字幕")
        verbose_name_plural = _("字幕")
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "language", "kind"],
                name="one_subtitle_track_per_language_and_kind",
            )
        ]

    def __str__(self):
        return f"{self.asset} · {self.label}"

    @property
    def is_chinese(self) -> bool:
        return self.language in CHINESE_SUBTITLE_LANGUAGES
