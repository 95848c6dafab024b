"""Adoption reports: what each platform adopted, per month, year and
programme or series, with what is still pending and what was turned down.

An item counts as adopted in the period of its ``adopted_on`` date, the day
the platform adopted it. A later withdrawal or redelivery does not rewrite
history: the item stays counted where it was adopted.
"""

import datetime as dt
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from wagtail.models import Page

from cms.core.deliverables import kind_for_content_type

from .models import Delivery, DeliveryState, Platform

S = DeliveryState
#: Waiting for the platform: ready to go out, or out and not yet answered.
PENDING_STATES = frozenset({S.READY, S.DELIVERED, S.RECEIVED})
#: How items are counted in sentences when a platform adopted items of more
#: than one kind; one kind's items are counted with its own word ("31 集",
#: see ``DeliverableKind.unit``).
DEFAULT_UNIT = "条"
#: Bar colours, one per platform, in platform order.
PALETTE = ["#2e6bb2", "#d2691e", "#2a9d8f", "#8e5ea2", "#c0392b", "#7f8c8d"]


@dataclass
class ReportRow:
    label: str
    counts: list[int]
    key: object = None

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class AdoptionReport:
    year: int
    years: list[int]
    platforms: list[Platform]
    by_month: list[ReportRow]
    by_year: list[ReportRow]
    by_group: list[ReportRow]
    pending: list[Delivery]
    rejected: list[Delivery]
    sentences: list[str] = field(default_factory=list)

    @property
    def year_totals(self) -> ReportRow:
        counts = [0] * len(self.platforms)
        for row in self.by_month:
            counts = [a + b for a, b in zip(counts, row.counts, strict=True)]
        return ReportRow(_("合计"), counts)

    def count(self, platform: Platform, *, year: int, month: int | None = None):
        """The number adopted by ``platform`` in a year or one of its months."""
        index = self.platforms.index(platform)
        if month is None:
            row = next((r for r in self.by_year if r.key == year), None)
        else:
            if year != self.year:
                raise ValueError(year)
            row = self.by_month[month - 1]
        return row.counts[index] if row else 0


def _adopted():
    return Delivery.objects.filter(adopted_on__isnull=False)


def report_years() -> list[int]:
    years = (
        _adopted()
        .annotate(year=ExtractYear("adopted_on"))
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(set(years))


def report_platforms() -> list[Platform]:
    """Active platforms and any other that ever adopted something, in the
    order they were added (央视频, 科普中国, 云上科普, …)."""
    used = _adopted().values("platform_id")
    return list(
        Platform.objects.filter(Q(is_active=True) | Q(pk__in=used)).order_by("pk")
    )


def adoption_report(*, year: int | None = None) -> AdoptionReport:
    """Everything the report page and its Excel export show, for ``year``
    (by default the latest year anything was adopted)."""
    years = report_years()
    if year is None:
        year = years[-1] if years else timezone.localdate().year
    platforms = report_platforms()
    index = {p.pk: i for i, p in enumerate(platforms)}
    width = len(platforms)

    by_year_counts: dict[int, list[int]] = defaultdict(lambda: [0] * width)
    for row in (
        _adopted()
        .annotate(year=ExtractYear("adopted_on"))
        .values("year", "platform_id")
        .annotate(n=Count("id"))
    ):
        by_year_counts[row["year"]][index[row["platform_id"]]] += row["n"]
    by_year = [
        ReportRow(_("%(y)s 年") % {"y": y}, by_year_counts[y], key=y)
        for y in sorted(by_year_counts)
    ]

    of_year = _adopted().filter(adopted_on__year=year)
    month_counts = [[0] * width for _month in range(12)]
    for row in (
        of_year.annotate(month=ExtractMonth("adopted_on"))
        .values("month", "platform_id")
        .annotate(n=Count("id"))
    ):
        month_counts[row["month"] - 1][index[row["platform_id"]]] += row["n"]
    by_month = [
        ReportRow(_("%(m)s 月") % {"m": m}, month_counts[m - 1], key=m)
        for m in range(1, 13)
    ]

    by_group = _by_group(of_year, index, width)
    pending = list(
        Delivery.objects.filter(state__in=PENDING_STATES)
        .select_related("page", "platform")
        .order_by("platform_id", "-updated_at")
    )
    rejected = list(
        Delivery.objects.filter(state=S.REJECTED)
        .select_related("page", "platform")
        .order_by("platform_id", "-updated_at")
    )
    report = AdoptionReport(
        year=year,
        years=years,
        platforms=platforms,
        by_month=by_month,
        by_year=by_year,
        by_group=by_group,
        pending=pending,
        rejected=rejected,
    )
    report.sentences = report_sentences(report, units=_units(of_year))
    return report


def _by_group(deliveries, index: dict[int, int], width: int) -> list[ReportRow]:
    """Counts per programme, series or music library: the item's parent page."""
    steplen = Page.steplen
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * width)
    for path, platform_id in deliveries.values_list("page__path", "platform_id"):
        counts[path[:-steplen]][index[platform_id]] += 1
    titles = dict(Page.objects.filter(path__in=counts).values_list("path", "title"))
    rows = [
        ReportRow(titles.get(path, _("（已删除）")), values, key=path)
        for path, values in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r.total, r.label))


def _units(deliveries) -> dict[int, str]:
    """The counting word per platform: 集 when it adopted only episodes, …"""
    kinds: dict[int, set[int]] = defaultdict(set)
    for platform_id, content_type_id in deliveries.values_list(
        "platform_id", "page__content_type_id"
    ).distinct():
        kinds[platform_id].add(content_type_id)
    return {
        platform_id: _unit(next(iter(found))) if len(found) == 1 else DEFAULT_UNIT
        for platform_id, found in kinds.items()
    }


def _unit(content_type_id: int) -> str:
    kind = kind_for_content_type(content_type_id)
    return str(kind.unit) if kind is not None else DEFAULT_UNIT


def report_sentences(report: AdoptionReport, *, units: dict[int, str]) -> list[str]:
    """The report in words, as the brand's annual summary puts it:
    "2024 年，央视频采用 31 集，科普中国采用 256 条，云上科普采用 301 条。"."""
    totals = report.year_totals.counts
    adopted = [
        _("%(platform)s采用 %(n)s %(unit)s")
        % {"platform": p.name, "n": n, "unit": units.get(p.pk, DEFAULT_UNIT)}
        for p, n in zip(report.platforms, totals, strict=True)
        if n
    ]
    if not adopted:
        sentences = [_("%(y)s 年暂无平台采用记录。") % {"y": report.year}]
    else:
        idle = [p.name for p, n in zip(report.platforms, totals, strict=True) if not n]
        text = _("%(y)s 年，") % {"y": report.year} + "，".join(adopted)
        if idle:
            text += _("；%(names)s暂无采用") % {"names": "、".join(idle)}
        sentences = [text + "。"]
        busiest = max(report.by_month, key=lambda r: r.total)
        sentences.append(
            _("全年共 %(total)s 次采用，%(month)s最多，共 %(n)s 次。")
            % {"total": sum(totals), "month": busiest.label, "n": busiest.total}
        )
        if report.by_group:
            top = report.by_group[0]
            sentences.append(
                _("被采用最多的是《%(title)s》，共 %(n)s 次。")
                % {"title": top.label, "n": top.total}
            )
    sentences.append(
        _("目前待平台处理 %(pending)s 条，未采用 %(rejected)s 条。")
        % {"pending": len(report.pending), "rejected": len(report.rejected)}
    )
    return sentences


# --- Chart --------------------------------------------------------------------


def _axis_step(peak: int) -> int:
    """A round whole-number step so that four steps reach ``peak``."""
    magnitude = 1
    while True:
        for factor in (1, 2, 2.5, 5):
            step = factor * magnitude
            if step == int(step) and step * 4 >= peak:
                return int(step)
        magnitude *= 10


def adoption_chart_svg(report: AdoptionReport, *, width: int = 760) -> SafeString:
    """Adoptions per month of the report's year, one bar per platform, as an
    inline SVG drawn on the server: no script, prints and exports as it is."""
    height, left, right, top, bottom = 280, 44, 12, 36, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((c for row in report.by_month for c in row.counts), default=0)
    step = _axis_step(peak)
    ceiling = step * 4
    group_w = plot_w / 12
    count = max(len(report.platforms), 1)
    bar_w = max(min((group_w - 8) / count, 18), 2)
    title = report.sentences[0] if report.sentences else ""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="adoption-chart" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        label = str(step * i)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#555">{label}</text>'
        )
    for m, row in enumerate(report.by_month):
        x0 = left + group_w * m + (group_w - bar_w * count) / 2
        for p, value in enumerate(row.counts):
            if not value:
                continue
            bar_h = plot_h * value / ceiling
            platform = report.platforms[p]
            parts.append(
                f'<rect x="{x0 + bar_w * p:.1f}" y="{top + plot_h - bar_h:.1f}" '
                f'width="{bar_w:.1f}" height="{bar_h:.1f}" '
                f'fill="{PALETTE[p % len(PALETTE)]}">'
                f"<title>{escape(platform.name)} {escape(row.label)}：{value}</title>"
                f"</rect>"
            )
        parts.append(
            f'<text x="{left + group_w * (m + 0.5):.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle" font-size="11" fill="#333">'
            f"{escape(row.label)}</text>"
        )
    x = left
    for p, platform in enumerate(report.platforms):
        colour = PALETTE[p % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="10" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="20" font-size="12" fill="#333">'
            f"{escape(platform.name)}</text>"
        )
        x += 28 + 13 * len(platform.name)
    parts.append("</svg>")
    # Every text above went through escape().
    return mark_safe("".join(parts))


# --- Excel --------------------------------------------------------------------

SHEET_SUMMARY = "概述"
SHEET_MONTH = "按月"
SHEET_YEAR = "按年"
SHEET_GROUP = "按节目与系列"
SHEET_PENDING = "待处理"
SHEET_REJECTED = "未采用"


def _local(value: dt.datetime | None):
    # Excel has no time zones: write local wall-clock time without one.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def adoption_workbook(report: AdoptionReport) -> bytes:
    """The report as an .xlsx file with the same numbers as the page: one
    sheet per view (by month, by year, by programme or series, pending,
    rejected) after a summary in words."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook()
    summary = book.active
    summary.title = SHEET_SUMMARY
    summary.append([_("百嘎丽分发采用报表 · %(y)s 年") % {"y": report.year}])
    summary["A1"].font = bold
    for sentence in report.sentences:
        summary.append([sentence])
    summary.column_dimensions["A"].width = 90

    names = [p.name for p in report.platforms]

    def table(title: str, first: str, rows: list[ReportRow], labels=None):
        sheet = book.create_sheet(title)
        sheet.append([first, *names, _("合计")])
        for row, label in zip(rows, labels or [r.label for r in rows], strict=True):
            sheet.append([label, *row.counts, row.total])
        sheet.append([_("合计"), *_column_totals(rows, len(names)), _grand(rows)])
        for cell in sheet[1]:
            cell.font = bold
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        sheet.column_dimensions["A"].width = 28
        sheet.freeze_panes = "B2"
        return sheet

    table(
        SHEET_MONTH,
        _("月份"),
        report.by_month,
        labels=[f"{report.year}-{r.key:02d}" for r in report.by_month],
    )
    table(SHEET_YEAR, _("年份"), report.by_year, labels=[r.key for r in report.by_year])
    table(
        SHEET_GROUP, _("节目或系列（%(y)s 年）") % {"y": report.year}, report.by_group
    )

    pending = book.create_sheet(SHEET_PENDING)
    pending.append(
        [_("内容"), _("平台"), _("状态"), _("版本"), _("交付时间"), _("更新时间")]
    )
    for d in report.pending:
        pending.append(
            [
                d.page.title,
                d.platform.name,
                d.get_state_display(),
                d.version,
                _local(d.delivered_at),
                _local(d.updated_at),
            ]
        )
    rejected = book.create_sheet(SHEET_REJECTED)
    rejected.append([_("内容"), _("平台"), _("未采用原因"), _("更新时间")])
    for d in report.rejected:
        rejected.append(
            [d.page.title, d.platform.name, d.rejection_reason, _local(d.updated_at)]
        )
    for sheet in (pending, rejected):
        for cell in sheet[1]:
            cell.font = bold
        sheet.column_dimensions["A"].width = 36
        sheet.column_dimensions["C"].width = 24
        for column in ("E", "F", "D"):
            for cell in sheet[column][1:]:
                if isinstance(cell.value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _column_totals(rows: list[ReportRow], width: int) -> list[int]:
    totals = Counter()
    for row in rows:
        for i, n in enumerate(row.counts):
            totals[i] += n
    return [totals[i] for i in range(width)]


def _grand(rows: list[ReportRow]) -> int:
    return sum(row.total for row in rows)
