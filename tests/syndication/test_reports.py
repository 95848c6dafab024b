"""The adoption report for the demo data: counts per platform and period,
the sentences made from them, the chart, and an Excel export that opens
with openpyxl and shows the same numbers."""

import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from syndication.demo import demo_syndication
from syndication.models import Delivery, DeliveryState, Platform
from syndication.reports import (
    SHEET_GROUP,
    SHEET_MONTH,
    SHEET_PENDING,
    SHEET_REJECTED,
    SHEET_SUMMARY,
    SHEET_YEAR,
    adoption_chart_svg,
    adoption_report,
    adoption_workbook,
)

pytestmark = pytest.mark.django_db
S = DeliveryState

YANGSHIPIN, KEPU, YUNSHANG = "央视频", "科普中国", "云上科普"
# What the demo's 2024 ledger says, month by month.
MONTHS_2024 = {
    YANGSHIPIN: {3: 1, 5: 1, 8: 1, 11: 1},
    KEPU: {4: 1, 5: 1, 6: 1, 9: 1, 10: 1},
    # Nine still adopted, and one adopted in October then withdrawn.
    YUNSHANG: {3: 1, 4: 1, 5: 2, 6: 1, 7: 1, 9: 1, 10: 1, 12: 2},
}
TOTALS_2024 = {YANGSHIPIN: 4, KEPU: 5, YUNSHANG: 10}


@pytest.fixture
def report(demo):
    demo_syndication()
    return adoption_report(year=2024)


def test_the_demo_loads_once(demo):
    demo_syndication()
    count = Delivery.objects.count()
    assert count >= 25
    assert demo_syndication() == []
    assert Delivery.objects.count() == count


def test_the_demo_covers_every_state_and_spreads_over_2024(report):
    states = set(Delivery.objects.values_list("state", flat=True))
    assert {
        S.QC_FAILED,
        S.READY,
        S.DELIVERED,
        S.RECEIVED,
        S.ADOPTED,
        S.REJECTED,
        S.WITHDRAWN,
    } <= states
    failed = Delivery.objects.filter(state=S.QC_FAILED).first()
    assert failed.qc_report and failed.events.last().reason.startswith("质检未通过")
    adopted = Delivery.objects.filter(state=S.ADOPTED).order_by("adopted_on")
    assert {d.adopted_on.year for d in adopted} == {2024}
    assert len({d.adopted_on.month for d in adopted}) >= 8
    # The imported history is dated in order, before the adoption.
    for delivery in adopted:
        times = list(delivery.events.values_list("created_at", flat=True))
        assert times == sorted(times)
        assert times[-1].date() == delivery.adopted_on


def test_counts_per_platform_per_month_and_year(report):
    names = [p.name for p in report.platforms]
    assert names[:3] == [YANGSHIPIN, KEPU, YUNSHANG]
    for platform in report.platforms[:3]:
        months = MONTHS_2024[platform.name]
        for month in range(1, 13):
            assert report.count(platform, year=2024, month=month) == months.get(
                month, 0
            ), (platform.name, month)
        assert report.count(platform, year=2024) == TOTALS_2024[platform.name]
    assert report.year_totals.total == sum(TOTALS_2024.values())
    assert [r.key for r in report.by_year] == [2024]


def test_counts_by_programme_or_series(report):
    rows = {
        row.label: dict(zip(report.platforms, row.counts, strict=True))
        for row in report.by_group
    }
    by_name = {
        label: {p.name: n for p, n in counts.items()} for label, counts in rows.items()
    }
    assert by_name["百嘎丽科普开讲"] == {YANGSHIPIN: 4, KEPU: 2, YUNSHANG: 4}
    assert by_name["百嘎丽带你看非遗里的科普"] == {YANGSHIPIN: 0, KEPU: 3, YUNSHANG: 3}
    assert by_name["音乐作品"] == {YANGSHIPIN: 0, KEPU: 0, YUNSHANG: 3}
    assert "科技微课堂" not in by_name
    assert report.by_group[0].label == "百嘎丽科普开讲"


def test_pending_and_rejected_lists(report):
    pending = {(d.page.title, d.platform.name, d.state) for d in report.pending}
    assert ("星空里的光年", YANGSHIPIN, S.DELIVERED) in pending
    assert ("黄河几字弯的泥沙从哪里来", KEPU, S.RECEIVED) in pending
    assert ("为什么风能发电", YUNSHANG, S.READY) in pending
    rejected = [(d.page.title, d.platform.name) for d in report.rejected]
    assert ("为什么风能发电", YANGSHIPIN) in rejected
    assert "时长" in report.rejected[0].rejection_reason


def test_the_report_speaks_in_sentences(report):
    assert report.sentences[0] == (
        "2024 年，央视频采用 4 集，科普中国采用 5 条，云上科普采用 10 条。"
    )
    assert "全年共 19 次采用" in report.sentences[1]
    assert report.sentences[2] == "被采用最多的是《百嘎丽科普开讲》，共 10 次。"
    assert report.sentences[-1] == "目前待平台处理 3 条，未采用 1 条。"


def test_a_year_without_adoptions_says_so(report):
    empty = adoption_report(year=2023)
    assert empty.sentences[0] == "2023 年暂无平台采用记录。"
    assert empty.year_totals.total == 0


def test_a_platform_added_later_shows_with_nothing_adopted(report):
    Platform.objects.create(name="学习强国", slug="xuexi")
    report = adoption_report(year=2024)
    assert report.platforms[-1].name == "学习强国"
    assert report.sentences[0].endswith("；学习强国暂无采用。")


def test_the_chart_is_an_inline_svg_of_the_months(report):
    svg = str(adoption_chart_svg(report))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<script" not in svg
    assert svg.count("<rect") == 3 + sum(len(m) for m in MONTHS_2024.values())
    assert "云上科普 12 月：2" in svg
    assert report.sentences[0] in svg


def test_the_excel_export_shows_the_same_numbers(report):
    book = load_workbook(io.BytesIO(adoption_workbook(report)))
    assert book.sheetnames == [
        SHEET_SUMMARY,
        SHEET_MONTH,
        SHEET_YEAR,
        SHEET_GROUP,
        SHEET_PENDING,
        SHEET_REJECTED,
    ]
    assert book[SHEET_SUMMARY]["A2"].value == report.sentences[0]

    month = book[SHEET_MONTH]
    header = [c.value for c in month[1]]
    assert header[:4] == ["月份", YANGSHIPIN, KEPU, YUNSHANG]
    rows = {r[0]: r[1:] for r in month.iter_rows(min_row=2, values_only=True)}
    for name, months in MONTHS_2024.items():
        column = header.index(name) - 1
        for m in range(1, 13):
            assert rows[f"2024-{m:02d}"][column] == months.get(m, 0), (name, m)
        assert rows["合计"][column] == TOTALS_2024[name]
    assert rows["合计"][-1] == 19

    year = book[SHEET_YEAR]
    year_rows = {r[0]: r[1:] for r in year.iter_rows(min_row=2, values_only=True)}
    assert year_rows[2024][:3] == (4, 5, 10)

    group = book[SHEET_GROUP]
    group_rows = {r[0]: r[1:] for r in group.iter_rows(min_row=2, values_only=True)}
    assert group_rows["百嘎丽科普开讲"][:3] == (4, 2, 4)
    assert group_rows["合计"][-1] == 19

    pending = list(book[SHEET_PENDING].iter_rows(min_row=2, values_only=True))
    assert len(pending) == len(report.pending) == 3
    rejected = list(book[SHEET_REJECTED].iter_rows(min_row=2, values_only=True))
    assert rejected[0][:2] == ("为什么风能发电", YANGSHIPIN)


def test_the_command_prints_the_report_and_saves_excel(report, tmp_path):
    out = io.StringIO()
    target = tmp_path / "report.xlsx"
    call_command(
        "syndication_report", "--year", "2024", "--xlsx", str(target), stdout=out
    )
    assert report.sentences[0] in out.getvalue()
    assert load_workbook(target)[SHEET_YEAR]["B2"].value == 4
