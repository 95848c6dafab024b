"""The catalogue template an office fills in: the sheet to fill, and a
second sheet that explains each column and shows a filled-in example row."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from .columns import COLUMNS

SHEET_TITLE = "目录"
HELP_SHEET_TITLE = "填写说明"


def template_workbook() -> bytes:
    """The template as .xlsx bytes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append([column.name for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet(HELP_SHEET_TITLE)
    guide.append(["列名", "是否必填", "说明", "示例"])
    for column in COLUMNS:
        guide.append(
            [
                column.name,
                "必填" if column.required else "",
                column.help,
                column.example,
            ]
        )
    guide.append([])
    guide.append(["示例行（可复制到“目录”表）："])
    guide.append([column.name for column in COLUMNS])
    guide.append([column.example for column in COLUMNS])
    for row in (1, guide.max_row - 1):
        for cell in guide[row]:
            cell.font = Font(bold=True)
    guide.column_dimensions["C"].width = 60

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
