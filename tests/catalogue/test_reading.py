"""Reading sheets: xlsx, CSV in UTF-8 or GB18030, the header matched by name."""

import pytest

from cms.catalogue.reading import SheetError, read_sheet

from .sheets import csv_bytes, xlsx

ROW = {"类型": "短视频", "所属": "非遗里的科普", "标题": "鄂尔多斯古如歌", "期数": "1"}


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig"])
def test_csv_in_either_encoding_reads_the_same(encoding):
    data = csv_bytes([ROW], encoding=encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # really not UTF-8: detection is exercised
    sheet = read_sheet(data, filename="目录.CSV")
    [row] = sheet.rows
    assert row.number == 2
    assert row.text("标题") == "鄂尔多斯古如歌"
    assert row.text("所属") == "非遗里的科普"


def test_header_by_name_extra_columns_ignored_optional_missing(tmp_path):
    header = ["备注", "标题", "类型", "期数", "所属"]  # another order, an extra column
    rows = [ROW | {"备注": "内部用"}, {}, ROW | {"期数": 2.0}]
    path = xlsx(rows, tmp_path / "a.xlsx", header=header)
    sheet = read_sheet(path.read_bytes(), filename="a.xlsx")
    assert sheet.columns == ["标题", "类型", "期数", "所属"]
    assert [row.number for row in sheet.rows] == [2, 4]  # the blank row skipped
    assert "备注" not in sheet.rows[0].cells
    assert sheet.rows[0].text("字幕文件") == ""  # a missing optional column
    assert sheet.rows[1].text("期数") == "2"


def test_files_that_are_not_catalogues_are_refused_in_chinese():
    with pytest.raises(SheetError, match="只能导入 .xlsx 或 .csv"):
        read_sheet(b"x", filename="目录.doc")
    with pytest.raises(SheetError, match="第 1 行应是列名"):
        read_sheet("名字,年龄\n乌兰,3\n".encode(), filename="a.csv")
    with pytest.raises(SheetError, match="既不是 UTF-8 也不是 GB18030"):
        read_sheet(b"\x81\x30\xff\xff,\n", filename="a.csv")
