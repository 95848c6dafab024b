"""The final report of an import, as Excel: every row with its page address,
asset id and outcome, for the office that filled in the sheet."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from .models import ImportRun

HEADER = [
    "表格行",
    "标识",
    "状态",
    "结果",
    "页面",
    "页面地址",
    "媒体编号",
    "原因或变更",
]


def import_run_workbook(run: ImportRun) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "导入结果"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    rows = run.rows.select_related("page").order_by("sheet_row")
    for row in rows:
        page = row.page.specific if row.page_id else None
        sheet.append(
            [
                row.sheet_row,
                row.key,
                row.get_status_display(),
                row.get_outcome_display() if row.outcome else "",
                page.title if page else "",
                (page.full_url or "") if page else "",
                row.asset_id,
                row.reason or "、".join(row.changes),
            ]
        )
    for problem in run.problems:
        sheet.append(
            [problem["row"], "", "未通过检查", "", "", "", None, problem["message"]]
        )
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
