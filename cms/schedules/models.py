"""Broadcast schedules: which channel carries a programme when, the airings
editors schedule episodes into, and what stations' as-run logs say aired.

Times are stored in UTC and shown in Beijing time (``timezones``). Writes go
through ``services``; the models only hold data and domain look-ups.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from .timezones import format_duration, local


class ScheduleChannel(models.Model):
    """A broadcaster channel's schedule identity: the ASCII slug its public
    schedule URLs, its XMLTV id and the as-run import use."""

    channel = models.OneToOneField(
        "broadcasters.Channel",
        verbose_name=_("频道"),
        on_delete=models.CASCADE,
        related_name="schedule",
    )
    slug = models.SlugField(
        _("网址标识"),
        max_length=80,
        unique=True,
        help_text=_("用于节目单网址和播出记录导入，例如 ordos-news"),
    )

    class Meta:
        verbose_name = _("排播频道")
        verbose_name_plural = _("排播频道")
        ordering = ["channel__broadcaster__name", "channel__sort_order"]

    def __str__(self):
        return str(self.channel)

    @property
    def xmltv_id(self) -> str:
        """A stable, globally unique id in the form XMLTV recommends."""
        return f"{self.slug}.baigali.cn"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("周一")
    TUESDAY = 1, _("周二")
    WEDNESDAY = 2, _("周三")
    THURSDAY = 3, _("周四")
    FRIDAY = 4, _("周五")
    SATURDAY = 5, _("周六")
    SUNDAY = 6, _("周日")


class AiringKind(models.TextChoices):
    FIRST_RUN = "first_run", _("首播")
    REPEAT = "repeat", _("重播")


class SlotRule(models.Model):
    """A weekly slot of a programme on a channel, e.g. 每周六 19:30 首播 30 分钟."""

    programme = models.ForeignKey(
        "programmes.ProgramPage",
        verbose_name=_("节目"),
        on_delete=models.CASCADE,
        related_name="slot_rules",
    )
    channel = models.ForeignKey(
        "broadcasters.Channel",
        verbose_name=_("频道"),
        on_delete=models.PROTECT,
        related_name="slot_rules",
    )
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=Weekday.choices)
    local_time = models.TimeField(_("开始时间"), help_text=_("北京时间"))
    duration = models.DurationField(_("时段长度"), help_text=_("例如 0:30:00"))
    kind = models.CharField(
        _("首播或重播"),
        max_length=10,
        choices=AiringKind.choices,
        default=AiringKind.FIRST_RUN,
    )
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("截止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("播出时段规则")
        verbose_name_plural = _("播出时段规则")
        ordering = ["channel_id", "weekday", "local_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration__gt=dt.timedelta(0)),
                name="slot_rule_duration_positive",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="slot_rule_valid_range",
            ),
        ]

    def __str__(self):
        return (
            f"{self.programme.title} · {self.channel} · {self.get_weekday_display()} "
            f"{self.local_time:%H:%M} {self.get_kind_display()}"
        )

    def applies_on(self, day: dt.date) -> bool:
        return (
            day.weekday() == self.weekday
            and day >= self.valid_from
            and (self.valid_until is None or day <= self.valid_until)
        )


class AiringStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("待播")
    AIRED = "aired", _("已播出")
    LATE = "late", _("延迟播出")
    SHORT = "short", _("播出不足")
    MISSING = "missing", _("未播出")


#: The statuses that count as broadcast in the reports.
BROADCAST_STATUSES = (AiringStatus.AIRED, AiringStatus.LATE, AiringStatus.SHORT)


class AiringQuerySet(models.QuerySet):
    def on_channel(self, channel):
        return self.filter(channel=channel)

    def between(self, start: dt.datetime, end: dt.datetime):
        """Airings that start in [start, end)."""
        return self.filter(start_at__gte=start, start_at__lt=end)

    def overlapping(self, *, channel, start_at, end_at):
        """Airings on ``channel`` that share any time with [start_at, end_at)."""
        return self.filter(channel=channel, start_at__lt=end_at, end_at__gt=start_at)

    def public(self):
        """Airings the public may see: the programme is live and publicly
        viewable, and so is the episode when one is scheduled. A draft,
        unpublished or private page never shows through the schedule."""
        public_pages = Page.objects.live().public().values("pk")
        return self.filter(programme__in=public_pages).filter(
            Q(episode__isnull=True) | Q(episode__in=public_pages)
        )

    def broadcast(self):
        return self.filter(status__in=BROADCAST_STATUSES)


class Airing(models.Model):
    """One broadcast of a programme (and, once scheduled, one episode) on a
    channel at a time."""

    channel = models.ForeignKey(
        "broadcasters.Channel",
        verbose_name=_("频道"),
        on_delete=models.PROTECT,
        related_name="airings",
    )
    programme = models.ForeignKey(
        "programmes.ProgramPage",
        verbose_name=_("节目"),
        on_delete=models.CASCADE,
        related_name="scheduled_airings",
    )
    episode = models.ForeignKey(
        "programmes.EpisodePage",
        verbose_name=_("单集"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scheduled_airings",
        help_text=_("留空表示单集待定"),
    )
    start_at = models.DateTimeField(_("开始时间"), db_index=True)
    end_at = models.DateTimeField(_("结束时间"))
    kind = models.CharField(
        _("首播或重播"),
        max_length=10,
        choices=AiringKind.choices,
        default=AiringKind.FIRST_RUN,
    )
    house_number = models.CharField(
        _("节目库号"),
        max_length=40,
        blank=True,
        help_text=_("播出机构的节目编号，用于核对播出记录"),
    )
    slot_rule = models.ForeignKey(
        SlotRule,
        verbose_name=_("来自时段规则"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="airings",
    )
    status = models.CharField(
        _("播出状态"),
        max_length=10,
        choices=AiringStatus.choices,
        default=AiringStatus.SCHEDULED,
    )
    actual_start_at = models.DateTimeField(_("实际开始"), null=True, blank=True)
    actual_end_at = models.DateTimeField(_("实际结束"), null=True, blank=True)

    objects = AiringQuerySet.as_manager()

    class Meta:
        verbose_name = _("播出")
        verbose_name_plural = _("播出")
        ordering = ["start_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_at__gt=models.F("start_at")),
                name="airing_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["channel", "start_at"], name="unique_airing_start_per_channel"
            ),
        ]

    def __str__(self):
        return f"{self.channel} {local(self.start_at):%Y-%m-%d %H:%M} {self.title}"

    @property
    def title(self) -> str:
        if self.episode_id:
            return f"{self.programme.title} {self.episode.title}"
        return self.programme.title

    @property
    def duration(self) -> dt.timedelta:
        return self.end_at - self.start_at

    @property
    def start_difference(self) -> dt.timedelta | None:
        """How much later (positive) or earlier it actually started."""
        if self.actual_start_at is None:
            return None
        return self.actual_start_at - self.start_at

    @property
    def duration_difference(self) -> dt.timedelta | None:
        """Actual minus planned running time: negative when it ran short."""
        if self.actual_start_at is None or self.actual_end_at is None:
            return None
        return (self.actual_end_at - self.actual_start_at) - self.duration

    @property
    def difference_label(self) -> str:
        """The difference a person reads, e.g. 晚 3:00；短 5:00."""
        parts = []
        start = self.start_difference
        if start:
            word = _("晚") if start > dt.timedelta(0) else _("早")
            parts.append(f"{word} {format_duration(abs(start))}")
        length = self.duration_difference
        if length:
            word = _("长") if length > dt.timedelta(0) else _("短")
            parts.append(f"{word} {format_duration(abs(length))}")
        return "；".join(str(p) for p in parts)


class AsRunImport(models.Model):
    """One as-run log a station sent, as imported."""

    channel = models.ForeignKey(
        "broadcasters.Channel",
        verbose_name=_("频道"),
        on_delete=models.PROTECT,
        related_name="asrun_imports",
    )
    file_name = models.CharField(_("文件名"), max_length=255)
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_day = models.DateField(_("起始日期"))
    last_day = models.DateField(_("截止日期"))

    class Meta:
        verbose_name = _("播出记录导入")
        verbose_name_plural = _("播出记录导入")
        ordering = ["-imported_at"]

    def __str__(self):
        return f"{self.channel} {self.first_day}–{self.last_day} ({self.file_name})"


class AsRunLine(models.Model):
    """One line of an as-run log, matched to an airing or left for a person."""

    log = models.ForeignKey(
        AsRunImport,
        verbose_name=_("播出记录"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    line_number = models.PositiveIntegerField(_("行号"))
    actual_start_at = models.DateTimeField(_("实际开始"))
    actual_end_at = models.DateTimeField(_("实际结束"))
    title = models.CharField(_("节目名称"), max_length=255, blank=True)
    house_number = models.CharField(_("节目库号"), max_length=40, blank=True)
    airing = models.ForeignKey(
        Airing,
        verbose_name=_("对应播出"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="asrun_lines",
    )
    resolved = models.BooleanField(_("已处理"), default=False)

    class Meta:
        verbose_name = _("播出记录行")
        verbose_name_plural = _("播出记录行")
        ordering = ["log_id", "line_number"]

    def __str__(self):
        return f"{self.line_number}: {self.title or self.house_number}"
