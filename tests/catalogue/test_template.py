"""The catalogue template, written by the command and read back."""

from django.core.management import call_command
from openpyxl import load_workbook

from cms.catalogue.columns import COLUMNS
from cms.catalogue.reading import read_sheet

ISSUE_ORDER = [
    "类型",
    "所属",
    "标题",
    "期数",
    "首播日期",
    "首播时间",
    "频道",
    "简介",
    "主创",
    "话题",
    "出品单位",
    "版权方",
    "媒体文件",
    "字幕文件",
    "封面",
    "音乐形式",
    "平台采用",
]


def test_template_has_the_columns_in_order_and_a_guide(tmp_path):
    out = tmp_path / "模板.xlsx"
    call_command("import_catalogue", template=str(out))

    workbook = load_workbook(out)
    sheet, guide = workbook.worksheets
    assert [cell.value for cell in sheet[1]] == ISSUE_ORDER
    assert sheet.max_row == 1  # nothing to delete before filling it in

    explained = {row[0]: row for row in guide.iter_rows(min_row=2, values_only=True)}
    for column in COLUMNS:
        assert explained[column.name][2], column.name  # each column explained
    # The example row sits under its own header, column by column.
    rows = list(guide.iter_rows(values_only=True))
    header_at = max(i for i, row in enumerate(rows) if list(row) == ISSUE_ORDER)
    example = dict(zip(ISSUE_ORDER, rows[header_at + 1], strict=True))
    assert example["类型"] == "节目单集"
    assert example["主创"] == "主讲:乌兰；专家:苏日娜"


def test_template_reads_back_as_an_empty_catalogue(tmp_path):
    out = tmp_path / "模板.xlsx"
    call_command("import_catalogue", template=str(out))
    sheet = read_sheet(out.read_bytes(), filename=out.name)
    assert sheet.columns == ISSUE_ORDER
    assert sheet.rows == []
