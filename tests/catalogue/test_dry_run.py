"""The dry run: every bad cell listed by row and column, nothing written."""

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page

from cms.catalogue.checks import check_sheet
from cms.catalogue.media_root import LocalMediaRoot
from cms.catalogue.models import ImportRow, ImportRun
from cms.catalogue.reading import read_sheet
from media_pipeline.models import MediaAsset

from .sheets import subtitles, tiny_cover, xlsx

pytestmark = pytest.mark.django_db

GOOD = {
    "类型": "节目单集",
    "所属": "百嘎丽科普开讲",
    "标题": "库布其沙漠的绿色奇迹",
    "期数": 12,
    "首播日期": "2023-05-01",
    "首播时间": "19:30",
    "主创": "主讲:乌兰；专家:苏日娜",
    "话题": "治沙、生态",
    "媒体文件": "ep12.mp4",
    "平台采用": "央视频:2023-05-01",
}


def bad(**cells):
    return GOOD | cells


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    # The dry run only opens the media files; bytes will do.
    for name in ("ep12.mp4", "ep13.mp4", "song.mp3"):
        (root / name).write_bytes(b"\x00" * 64)
    subtitles(root / "broken.srt", "这不是字幕")
    (root / "cover.jpg").write_bytes(b"not an image")
    tiny_cover(root / "good.jpg")
    (tmp_path / "outside.mp4").write_bytes(b"\x00")
    return root


# (row, column, cells): rows as Excel numbers them; 2 and 3 are good rows.
BAD_ROWS = [
    (4, "类型", bad(类型="")),
    (5, "类型", bad(类型="纪录片", 期数=14)),
    (6, "首播日期", bad(期数=15, 首播日期="2023-13-45")),
    (7, "期数", bad(期数="十二")),
    (8, "主创", bad(期数=17, 主创="主唱:某某")),
    (9, "主创", bad(期数=18, 主创="乌兰")),
    (
        10,
        "音乐形式",
        {"类型": "音乐作品", "标题": "歌", "音乐形式": "摇滚", "媒体文件": "song.mp3"},
    ),
    (11, "媒体文件", bad(期数=20, 媒体文件="nope.mp4")),
    (12, "媒体文件", bad(期数=21, 媒体文件="../outside.mp4")),
    (13, "字幕文件", bad(期数=22, 字幕文件="broken.srt")),
    (14, "封面", bad(期数=23, 封面="cover.jpg")),
    (15, "标题", GOOD),  # the same row again
    (16, "期数", bad(标题="另一个标题")),  # episode 12 of the programme again
    (17, "平台采用", bad(期数=26, 平台采用="抖音:2023-01-01")),
    (18, "平台采用", bad(期数=27, 平台采用="央视频:去年")),
    (19, "首播时间", bad(期数=28, 首播时间="25:99")),
    (20, "所属", bad(所属="", 期数=29)),
    (21, "媒体文件", bad(期数=30, 媒体文件="")),
    (22, "期数", bad(期数=0)),
]


def test_every_bad_cell_is_listed_by_row_and_column(root, tmp_path):
    rows = [GOOD, bad(期数=13, 媒体文件="ep13.mp4", 封面="good.jpg")]
    rows += [cells for _, _, cells in BAD_ROWS]
    sheet = read_sheet(
        xlsx(rows, tmp_path / "目录.xlsx").read_bytes(), filename="目录.xlsx"
    )

    report = check_sheet(sheet, media_root=LocalMediaRoot(root))

    found = {(p.row, p.column) for p in report.problems}
    for row, column, _ in BAD_ROWS:
        assert (row, column) in found, (row, column, [str(p) for p in report.problems])
    assert report.refused_rows == [row for row, _, _ in BAD_ROWS]
    assert [row.sheet_row for row in report.rows] == [2, 3]
    messages = {(p.row, p.column): str(p) for p in report.problems}
    assert messages[(4, "类型")] == "第 4 行“类型”列：此项必填，不能为空。"
    assert "2023-05-01" in messages[(6, "首播日期")]
    assert "主持人" in messages[(8, "主创")]  # says which roles there are
    assert "第 2 行" in messages[(15, "标题")]
    assert "第 2 行" in messages[(16, "期数")]
    assert "央视频" in messages[(17, "平台采用")]


def test_dry_run_command_exits_non_zero_and_writes_nothing(root, tmp_path):
    manifest = xlsx([GOOD, bad(期数=6, 首播日期="昨天")], tmp_path / "目录.xlsx")
    pages, assets = Page.objects.count(), MediaAsset.objects.count()

    with pytest.raises(CommandError, match="1 行未通过检查"):
        call_command(
            "import_catalogue", str(manifest), media_root=str(root), dry_run=True
        )

    assert Page.objects.count() == pages
    assert MediaAsset.objects.count() == assets
    assert not ImportRun.objects.exists() and not ImportRow.objects.exists()


def test_dry_run_of_a_good_sheet_passes_and_warns_of_new_parents(
    root, tmp_path, capsys
):
    manifest = xlsx([bad(所属="新节目")], tmp_path / "目录.xlsx")
    pages = Page.objects.count()
    call_command("import_catalogue", str(manifest), media_root=str(root), dry_run=True)
    out = capsys.readouterr().out
    assert "新节目" in out and "新建" in out
    assert "检查通过" in out
    assert Page.objects.count() == pages


def test_unreadable_sheet_and_missing_root_are_refused_in_chinese(root, tmp_path):
    not_excel = tmp_path / "目录.xlsx"
    not_excel.write_bytes(b"plain text")
    with pytest.raises(CommandError, match="无法读取这个 Excel 文件"):
        call_command(
            "import_catalogue", str(not_excel), media_root=str(root), dry_run=True
        )
    manifest = xlsx([GOOD], tmp_path / "good.xlsx")
    with pytest.raises(CommandError, match="媒体根目录不存在"):
        call_command(
            "import_catalogue",
            str(manifest),
            media_root=str(tmp_path / "x"),
            dry_run=True,
        )
