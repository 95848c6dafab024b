"""Reading a catalogue sheet: .xlsx, or CSV in UTF-8 or GB18030.

The header row is matched by name, so columns may come in any order, extra
columns are ignored and optional ones may be missing. Cells come back as the
sheet holds them (text, numbers, dates); the checks make sense of them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from .columns import COLUMN_NAMES


class SheetError(Exception):
    """The file cannot be read as a catalogue; ``reason`` says why, in Chinese."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class SheetRow:
    #: The row's number as the office sees it in Excel (the header is row 1).
    number: int
    cells: dict[str, object]

    def text(self, column: str) -> str:
        value = self.cells.get(column)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()


@dataclass
class Sheet:
    rows: list[SheetRow]
    #: The known columns found in the header.
    columns: list[str] = field(default_factory=list)


def read_sheet(data: bytes, *, filename: str) -> Sheet:
    """The rows of the catalogue in ``data``; ``filename`` tells the format."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        table = _xlsx_rows(data)
    elif suffix == ".csv":
        table = list(csv.reader(io.StringIO(decode_csv(data))))
    else:
        raise SheetError(_("只能导入 .xlsx 或 .csv 文件，收到的是“%s”。") % filename)
    return _sheet(table)


def decode_csv(data: bytes) -> str:
    """CSV text in UTF-8 (with or without BOM), else GB18030 as Excel on a
    Chinese Windows saves it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise SheetError(
            _("CSV 文件既不是 UTF-8 也不是 GB18030 编码，请用 Excel 另存为 .xlsx。")
        ) from None


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise SheetError(
            _("无法读取这个 Excel 文件，请确认它是 .xlsx 格式。")
        ) from None
    # The first sheet is the catalogue; the template's 填写说明 comes second.
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def _sheet(table: list[list]) -> Sheet:
    if not table:
        raise SheetError(_("文件是空的：第 1 行应是列名。"))
    header = [str(cell).strip() if cell is not None else "" for cell in table[0]]
    positions = {name: i for i, name in enumerate(header) if name in COLUMN_NAMES}
    if "类型" not in positions or "标题" not in positions:
        raise SheetError(
            _("第 1 行应是列名（至少要有“类型”和“标题”），请使用导入模板。")
        )
    rows = []
    for offset, values in enumerate(table[1:], start=2):
        cells = {
            name: values[i] if i < len(values) else None
            for name, i in positions.items()
        }
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue  # blank lines between blocks of rows
        rows.append(SheetRow(number=offset, cells=cells))
    return Sheet(rows=rows, columns=list(positions))
