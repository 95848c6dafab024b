"""The catalogue sheet's columns: their Chinese names, in the template's
order, what each holds and an example. The template writer, the reader and
the checks all read this one list."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    help: str
    example: str
    #: Needed on every row (some columns are needed only for some kinds;
    #: the checks say which).
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("类型", "节目单集、短视频或音乐作品。", "节目单集", required=True),
    Column(
        "所属",
        "节目或短视频系列的名称；站点中没有时会新建（草稿）并提醒。音乐作品可留空。",
        "百嘎丽科普开讲",
    ),
    Column("标题", "单集、短视频或作品的标题。", "库布其沙漠的绿色奇迹", required=True),
    Column("期数", "节目的期数或系列中的集数，正整数；音乐作品可留空。", "12"),
    Column("首播日期", "日期，例如 2023-05-01。", "2023-05-01"),
    Column("首播时间", "可选，例如 19:30。", "19:30"),
    Column("频道", "可选：播出频道的名称；没有时会新建。", "新闻综合频道"),
    Column("简介", "内容提要或作品简介。", "走进库布其，看治沙人如何让沙漠变绿。"),
    Column(
        "主创",
        "“角色:姓名”，多人之间用分号（;或；）隔开。角色用中文，例如主讲、专家、作曲。",
        "主讲:乌兰；专家:苏日娜",
    ),
    Column("话题", "多个话题用顿号或逗号隔开。", "治沙、生态"),
    Column("出品单位", "可选。", "鄂尔多斯市科学技术协会"),
    Column("版权方", "可选。", "鄂尔多斯市科学技术协会"),
    Column(
        "媒体文件",
        "音视频文件相对媒体根目录的路径。",
        "kaijiang/2023/012.mp4",
        required=True,
    ),
    Column(
        "字幕文件",
        "可选：SRT 或 VTT 字幕，相对媒体根目录的路径。",
        "kaijiang/2023/012.srt",
    ),
    Column("封面", "可选：封面图片，相对媒体根目录的路径。", "kaijiang/2023/012.jpg"),
    Column(
        "音乐形式",
        "仅音乐作品填写：歌曲、弦乐、管乐、诗歌、音乐剧或其他。",
        "",
    ),
    Column(
        "平台采用",
        "可选：历史采用记录，“平台:日期”，多条之间用分号隔开。",
        "央视频:2023-05-01",
    ),
)

COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)
