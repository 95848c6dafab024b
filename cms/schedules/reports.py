"""What actually aired: broadcasts counted per programme and channel, by
month of a year and by year — the figure behind "955 期".

An airing counts when an as-run log proved it went out (aired, late or
short), in the Beijing-time month it actually started. The page and its
Excel export are built from the same ``BroadcastReport`` tables, so they
cannot disagree.
"""

import io
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Airing, AiringKind
from .timezones import local


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list]


@dataclass
class BroadcastReport:
    year: int
    years: list[int]
    by_month: Table
    by_year: Table


def _broadcasts():
    return Airing.objects.broadcast().select_related(
        "programme", "channel__broadcaster"
    )


def broadcast_report(*, year: int | None = None) -> BroadcastReport:
    airings = [(a, local(a.actual_start_at or a.start_at)) for a in _broadcasts()]
    years = sorted({start.year for _airing, start in airings})
    if year is None:
        year = years[-1] if years else local(timezone.now()).year

    def key(airing):
        return (airing.programme.title, str(airing.channel))

    monthly: dict[tuple, Counter] = {}
    first_runs: Counter = Counter()
    yearly: dict[tuple, Counter] = {}
    for airing, start in airings:
        yearly.setdefault(key(airing), Counter())[start.year] += 1
        if start.year == year:
            monthly.setdefault(key(airing), Counter())[start.month] += 1
            if airing.kind == AiringKind.FIRST_RUN:
                first_runs[key(airing)] += 1

    month_rows = []
    for group in sorted(monthly):
        counts = [monthly[group][m] for m in range(1, 13)]
        month_rows.append([*group, *counts, sum(counts), first_runs[group]])
    if month_rows:
        columns = list(zip(*(row[2:] for row in month_rows), strict=True))
        month_rows.append([_("合计"), "", *(sum(c) for c in columns)])
    by_month = Table(
        title=_("%(y)s 年逐月播出") % {"y": year},
        header=[
            _("节目"),
            _("频道"),
            *(_("%(m)s 月") % {"m": m} for m in range(1, 13)),
            _("全年"),
            _("其中首播"),
        ],
        rows=month_rows,
    )

    year_rows = []
    for group in sorted(yearly):
        counts = [yearly[group][y] for y in years]
        year_rows.append([*group, *counts, sum(counts)])
    if year_rows:
        columns = list(zip(*(row[2:] for row in year_rows), strict=True))
        year_rows.append([_("合计"), "", *(sum(c) for c in columns)])
    by_year = Table(
        title=_("逐年播出"),
        header=[
            _("节目"),
            _("频道"),
            *(_("%(y)s 年") % {"y": y} for y in years),
            _("合计"),
        ],
        rows=year_rows,
    )
    return BroadcastReport(year=year, years=years, by_month=by_month, by_year=by_year)


def broadcast_workbook(report: BroadcastReport) -> bytes:
    """The report as .xlsx: one sheet per table, the header on row 1 and the
    rows below, exactly the cells the page shows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table, name in ((report.by_month, _("逐月")), (report.by_year, _("逐年"))):
        sheet = workbook.create_sheet(name)
        sheet.append(table.header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(row)
        sheet.column_dimensions["A"].width = 24
        sheet.column_dimensions["B"].width = 28
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
