"""The broadcast report counts what as-run logs proved aired, per programme
and channel, by month and year; its Excel export holds the page's cells."""

import datetime as dt
import io

import lxml.html
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cms.schedules.models import AiringKind, AiringStatus
from cms.schedules.reports import broadcast_report
from cms.schedules.services import airing_schedule
from cms.schedules.timezones import local_datetime

from .builders import make_channel, make_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(demo):
    channel = make_channel("统计频道")
    programme = make_programme(title="统计节目", slug="report-programme")

    def aired(day, time, status=AiringStatus.AIRED, kind=AiringKind.FIRST_RUN):
        start = local_datetime(day, time)
        airing = airing_schedule(
            channel=channel,
            programme=programme,
            start_at=start,
            end_at=start + dt.timedelta(minutes=30),
            kind=kind,
        )
        airing.status = status
        if status != AiringStatus.MISSING:
            airing.actual_start_at = start
            airing.actual_end_at = start + dt.timedelta(minutes=30)
        airing.save()
        return airing

    aired(dt.date(2024, 1, 6), dt.time(19, 30))
    aired(dt.date(2024, 1, 7), dt.time(10, 0), AiringStatus.LATE, AiringKind.REPEAT)
    # 00:10 on 1 March in Beijing is still February in UTC: counted in March.
    aired(dt.date(2024, 3, 1), dt.time(0, 10), AiringStatus.SHORT)
    aired(dt.date(2024, 4, 6), dt.time(19, 30), AiringStatus.MISSING)
    aired(dt.date(2023, 12, 30), dt.time(19, 30))
    # Scheduled but never proved: not counted.
    start = local_datetime(dt.date(2024, 5, 4), dt.time(19, 30))
    airing_schedule(
        channel=channel,
        programme=programme,
        start_at=start,
        end_at=start + dt.timedelta(minutes=30),
    )
    return channel


def test_counts_per_programme_channel_month_and_year(history):
    report = broadcast_report(year=2024)
    (row,) = [r for r in report.by_month.rows if r[0] == "统计节目"]
    assert row[1] == "测试电视台 统计频道"
    assert row[2:14] == [2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert row[14:] == [3, 2]  # the year, of which first runs
    assert report.by_year.header[2:4] == ["2023 年", "2024 年"]
    (year_row,) = [r for r in report.by_year.rows if r[0] == "统计节目"]
    assert year_row[2:4] == [1, 3] and year_row[-1] == 4
    assert report.by_month.rows[-1][0] == "合计"


def table_cells(table) -> list[list[str]]:
    return [
        [cell.text_content().strip() for cell in tr.xpath("./th|./td")]
        for tr in table.xpath(".//tr")
    ]


def test_excel_export_equals_the_page(client, superuser, history):
    client.force_login(superuser)
    page = client.get(reverse("schedules_reports:index"), {"year": 2024})
    assert page.status_code == 200
    tables = lxml.html.fromstring(page.content).xpath(
        "//table[contains(@class, 'broadcast-report')]"
    )
    assert len(tables) == 2
    export = client.get(reverse("schedules_reports:export"), {"year": 2024})
    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook.sheetnames == ["逐月", "逐年"]
    for table, sheet in zip(tables, workbook.worksheets, strict=True):
        sheet_cells = [
            ["" if v is None else str(v) for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        assert sheet_cells == table_cells(table)
    assert any(row[0] == "统计节目" for row in table_cells(tables[0]))
