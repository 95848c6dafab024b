"""What an import did: each run, and each catalogue row by its stable key.

A row's key (kind + 所属 + 期数, or the title when there is no number) is
unique across runs, so running a sheet again finds the page and asset each
row made before: nothing is made twice, and an interrupted run resumes.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    CHECKED = "checked", _("已检查")
    RUNNING = "running", _("导入中")
    FINISHED = "finished", _("已完成")
    FAILED = "failed", _("有失败的行")


class RowStatus(models.TextChoices):
    WAITING = "waiting", _("等待中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class RowOutcome(models.TextChoices):
    CREATED = "created", _("新建")
    UPDATED = "updated", _("已更新")
    UNCHANGED = "unchanged", _("未变")


class ImportRun(models.Model):
    """One import of one sheet."""

    sheet_name = models.CharField(_("目录文件"), max_length=255)
    media_root = models.CharField(_("媒体根目录"), max_length=1000)
    publish = models.BooleanField(_("直接发布"), default=False)
    collection_name = models.CharField(_("收藏集"), max_length=255, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=RunStatus.choices, default=RunStatus.CHECKED
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: The dry run's findings, kept so the admin shows the report and starts
    #: the run from the rows it checked (``CatalogueRow.to_data``).
    checked_rows = models.JSONField(default=list, blank=True)
    problems = models.JSONField(_("问题"), default=list, blank=True)
    warnings = models.JSONField(_("提醒"), default=list, blank=True)
    row_total = models.PositiveIntegerField(_("总行数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("目录导入")
        verbose_name_plural = _("目录导入")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.sheet_name} ({self.created_at:%Y-%m-%d %H:%M})"


class ImportRow(models.Model):
    """One catalogue row, by its stable key, and what it became."""

    key = models.CharField(_("行标识"), max_length=500, unique=True)
    run = models.ForeignKey(
        ImportRun,
        verbose_name=_("最近一次导入"),
        on_delete=models.CASCADE,
        related_name="rows",
    )
    sheet_row = models.PositiveIntegerField(_("表格行号"))
    status = models.CharField(
        _("状态"), max_length=20, choices=RowStatus.choices, default=RowStatus.WAITING
    )
    outcome = models.CharField(
        _("结果"), max_length=20, choices=RowOutcome.choices, blank=True
    )
    reason = models.TextField(_("原因"), blank=True)
    #: The row's cells (normalised) and its files' SHA-256: a change in
    #: either is a changed row.
    fingerprint = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(_("变更"), default=list, blank=True)
    #: The checked row (``CatalogueRow.to_data``): what a worker imports, and
    #: what a resumed or retried run imports again.
    data = models.JSONField(default=dict, blank=True)
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("页面"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    asset = models.ForeignKey(
        "media_pipeline.MediaAsset",
        verbose_name=_("媒体"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("导入行")
        verbose_name_plural = _("导入行")
        ordering = ["sheet_row"]

    def __str__(self):
        return self.key
