"""The dry run: every row of a catalogue sheet checked, nothing written.

Each problem names the sheet row and column, in Chinese, with what to fix.
Rows that pass become ``CatalogueRow``s, which the import works from; a row
with any problem is refused whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from wagtail.models import Page

from cms.broadcasters.models import Channel

from .adoptions import adoption_recorder
from .kinds import KINDS, MUSIC_FORMS, CatalogueKind
from .media_root import MediaRootError
from .reading import Sheet, SheetRow

PAIR_SEPARATORS = re.compile(r"[;；\n]")
TOPIC_SEPARATORS = re.compile(r"[、,，;；\n]")
KEY_VALUE = re.compile(r"^\s*([^:：]+?)\s*[:：]\s*(.+?)\s*$")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%H：%M")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif"}


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self):
        return _("第 %(row)s 行“%(column)s”列：%(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class CatalogueRow:
    """A checked row, in the project's terms."""

    sheet_row: int
    kind: CatalogueKind
    parent_title: str
    title: str
    number: int | None
    first_date: dt.date | None
    first_time: dt.time | None
    channel: str
    summary: str
    credits: list[tuple[str, str]]  # (role value, person's name)
    topics: list[str]
    producing_unit: str
    rights_holder: str
    media: str
    subtitles: str
    cover: str
    music_form: str
    adoptions: list[tuple[str, dt.date]]

    @property
    def key(self) -> str:
        """Stable across runs: kind + 所属 + 期数, or the title without a number."""
        tail = str(self.number) if self.number is not None else self.title
        return f"{self.kind.label}|{self.parent_title}|{tail}"

    def to_data(self) -> dict:
        """The row as JSON, for ``ImportRow.data`` and the workers."""
        data = {name: value for name, value in vars(self).items() if name != "kind"}
        data["kind"] = self.kind.label
        data["first_date"] = self.first_date and self.first_date.isoformat()
        data["first_time"] = self.first_time and self.first_time.isoformat()
        data["adoptions"] = [[name, day.isoformat()] for name, day in self.adoptions]
        data["credits"] = [list(pair) for pair in self.credits]
        return data

    @classmethod
    def from_data(cls, data: dict) -> CatalogueRow:
        values = dict(data)
        values["kind"] = KINDS[data["kind"]]
        day, time = data["first_date"], data["first_time"]
        values["first_date"] = dt.date.fromisoformat(day) if day else None
        values["first_time"] = dt.time.fromisoformat(time) if time else None
        values["adoptions"] = [
            (name, dt.date.fromisoformat(day)) for name, day in data["adoptions"]
        ]
        values["credits"] = [tuple(pair) for pair in data["credits"]]
        return cls(**values)

    def cells_fingerprint(self) -> str:
        values = {
            name: value
            for name, value in vars(self).items()
            if name not in {"sheet_row", "kind"}
        }
        blob = json.dumps(values, default=str, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class CheckReport:
    rows: list[CatalogueRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    total: int = 0

    @property
    def refused_rows(self) -> list[int]:
        return sorted({problem.row for problem in self.problems})

    @property
    def ok(self) -> bool:
        return not self.problems


class _RowChecker:
    """Reads one row, collecting its problems instead of stopping at the first."""

    def __init__(self, row: SheetRow, media_root, platforms: set[str] | None):
        self.row = row
        self.media_root = media_root
        #: The platforms an adoption may name; None without syndication.
        self.platforms = platforms
        self.problems: list[Problem] = []

    def refuse(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.row.number, column, message))

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.row.text(column)
        if required and not value:
            self.refuse(column, _("此项必填，不能为空。"))
        return value

    def number(self, column: str, *, required: bool) -> int | None:
        raw = self.row.cells.get(column)
        text = self.row.text(column)
        if not text:
            if required:
                self.refuse(column, _("此项必填：请填写正整数，例如 12。"))
            return None
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, int) and not isinstance(raw, bool):
            value = raw
        elif text.isdigit():
            value = int(text)
        else:
            self.refuse(column, _("“%s”不是正整数，请只填数字，例如 12。") % text)
            return None
        if value < 1:
            self.refuse(column, _("须是大于 0 的整数，现为 %s。") % value)
            return None
        return value

    def date(self, column: str, value=None) -> dt.date | None:
        raw = self.row.cells.get(column) if value is None else value
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        text = str(raw).strip() if raw is not None else ""
        if not text:
            return None
        parsed = parse_date(text)
        if parsed is None:
            self.refuse(column, _("“%s”不是有效日期，请写成 2023-05-01 这样。") % text)
        return parsed

    def time(self, column: str) -> dt.time | None:
        raw = self.row.cells.get(column)
        if isinstance(raw, dt.datetime):
            return raw.time()
        if isinstance(raw, dt.time):
            return raw
        text = self.row.text(column)
        if not text:
            return None
        for fmt in TIME_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).time()
            except ValueError:
                continue
        self.refuse(column, _("“%s”不是有效时间，请写成 19:30 这样。") % text)
        return None

    def credits(self, kind: CatalogueKind) -> list[tuple[str, str]]:
        column = "主创"
        roles = kind.roles()
        credits = []
        for part in filter(None, PAIR_SEPARATORS.split(self.row.text(column))):
            if not part.strip():
                continue
            match = KEY_VALUE.match(part)
            if not match:
                self.refuse(
                    column,
                    _("“%s”应写成“角色:姓名”，例如“主讲:乌兰”。") % part.strip(),
                )
                continue
            role, name = match.groups()
            if role not in roles:
                self.refuse(
                    column,
                    _("%(kind)s没有“%(role)s”这个角色，可用：%(roles)s。")
                    % {"kind": kind.label, "role": role, "roles": "、".join(roles)},
                )
                continue
            credits.append((roles[role], name))
        return credits

    def adoptions(self) -> list[tuple[str, dt.date]]:
        column = "平台采用"
        text = self.row.text(column)
        if not text:
            return []
        known = self.platforms
        if known is None:
            self.refuse(column, _("本站未启用分发模块，无法记录平台采用，请清空此列。"))
            return []
        adoptions = []
        for part in filter(None, PAIR_SEPARATORS.split(text)):
            if not part.strip():
                continue
            match = KEY_VALUE.match(part)
            if not match:
                self.refuse(
                    column,
                    _("“%s”应写成“平台:日期”，例如“央视频:2023-05-01”。")
                    % part.strip(),
                )
                continue
            platform, day = match.groups()
            if platform not in known:
                self.refuse(
                    column,
                    _("没有名为“%(name)s”的平台，可用：%(known)s。")
                    % {"name": platform, "known": "、".join(sorted(known))},
                )
                continue
            parsed = parse_date(day)
            if parsed is None:
                self.refuse(
                    column,
                    _("“%s”中的日期无效，请写成 2023-05-01 这样。") % part.strip(),
                )
                continue
            adoptions.append((platform, parsed))
        return adoptions

    def file(self, column: str, *, required: bool) -> str:
        relative = self.text(column, required=required)
        if not relative or self.media_root is None:
            return relative
        try:
            if column == "媒体文件":
                # Its bytes are not needed yet (and may be gigabytes on S3).
                self.media_root.check(relative)
                return relative
            path = self.media_root.local_path(relative)
        except MediaRootError as error:
            self.refuse(column, error.reason)
            return relative
        if column == "字幕文件":
            self._check_subtitles(column, path)
        elif column == "封面":
            self._check_image(column, path)
        return relative

    def _check_subtitles(self, column, path) -> None:
        from media_pipeline.subtitles import SubtitleError, read_subtitles

        try:
            with open(path, "rb") as stream:
                read_subtitles(stream, filename=path.name)
        except SubtitleError as error:
            self.refuse(column, str(error))

    def _check_image(self, column, path) -> None:
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            self.refuse(column, _("封面须是 JPEG、PNG、WebP 或 GIF 图片。"))
            return
        try:
            with Image.open(path) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError):
            self.refuse(column, _("封面图片无法打开，可能已损坏，请重新导出。"))


def parse_date(text: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def check_row(
    row: SheetRow, media_root, *, platforms: set[str] | None
) -> tuple[CatalogueRow | None, list[Problem]]:
    checker = _RowChecker(row, media_root, platforms)
    kind_label = checker.text("类型", required=True)
    kind = KINDS.get(kind_label)
    if kind_label and kind is None:
        checker.refuse(
            "类型",
            _("“%s”不是可导入的类型，请填写 节目单集、短视频 或 音乐作品。")
            % kind_label,
        )
    numbered = kind is not None and kind.number_field is not None
    parent_title = checker.text("所属", required=numbered)
    if kind is not None and kind.parent_model is None:
        parent_title = ""  # music works sit in the library, not in a series
    title = checker.text("标题", required=True)
    number = checker.number("期数", required=numbered)
    if kind is not None and not numbered:
        number = None
    music_form = ""
    form_label = checker.text("音乐形式")
    if kind is not None and kind.parent_model is None:
        music_form = MUSIC_FORMS.get(form_label, "")
        if not form_label:
            checker.refuse(
                "音乐形式", _("音乐作品须填写音乐形式：%s。") % "、".join(MUSIC_FORMS)
            )
        elif not music_form:
            checker.refuse(
                "音乐形式",
                _("“%(form)s”不是可用的音乐形式，请填写：%(forms)s。")
                % {"form": form_label, "forms": "、".join(MUSIC_FORMS)},
            )
    checked = CatalogueRow(
        sheet_row=row.number,
        kind=kind,
        parent_title=parent_title,
        title=title,
        number=number,
        first_date=checker.date("首播日期"),
        first_time=checker.time("首播时间"),
        channel=checker.text("频道"),
        summary=checker.text("简介"),
        credits=checker.credits(kind) if kind is not None else [],
        topics=[t.strip() for t in TOPIC_SEPARATORS.split(checker.text("话题"))]
        if checker.text("话题")
        else [],
        producing_unit=checker.text("出品单位"),
        rights_holder=checker.text("版权方"),
        media=checker.file("媒体文件", required=True),
        subtitles=checker.file("字幕文件", required=False),
        cover=checker.file("封面", required=False),
        music_form=music_form,
        adoptions=checker.adoptions(),
    )
    checked.topics = [topic for topic in checked.topics if topic]
    if checker.problems:
        return None, checker.problems
    return checked, []


def check_sheet(sheet: Sheet, *, media_root) -> CheckReport:
    """Check every row of ``sheet`` against ``media_root`` and the site."""
    report = CheckReport(total=len(sheet.rows))
    seen: dict[str, CatalogueRow] = {}
    recorder = adoption_recorder()
    platforms = recorder.platform_names() if recorder is not None else None
    for sheet_row in sheet.rows:
        row, problems = check_row(sheet_row, media_root, platforms=platforms)
        report.problems.extend(problems)
        if row is None:
            continue
        earlier = seen.get(row.key)
        if earlier is not None:
            report.problems.append(_duplicate(row, earlier))
            continue
        seen[row.key] = row
        report.rows.append(row)
    report.warnings.extend(_site_warnings(report))
    return report


def _duplicate(row: CatalogueRow, earlier: CatalogueRow) -> Problem:
    if row.cells_fingerprint() == earlier.cells_fingerprint():
        return Problem(
            row.sheet_row,
            "标题",
            _("与第 %s 行完全重复，请删除其中一行。") % earlier.sheet_row,
        )
    if row.number is not None:
        return Problem(
            row.sheet_row,
            "期数",
            _("“%(parent)s”的第 %(n)s 期（集）已在第 %(row)s 行，请改正期数。")
            % {"parent": row.parent_title, "n": row.number, "row": earlier.sheet_row},
        )
    return Problem(
        row.sheet_row,
        "标题",
        _("同名的%(kind)s已在第 %(row)s 行，请改正标题或删除其中一行。")
        % {"kind": row.kind.label, "row": earlier.sheet_row},
    )


def _site_warnings(report: CheckReport) -> list[str]:
    """What the import will create besides the rows' own pages."""
    warnings = []
    parents: dict[CatalogueKind, set[str]] = {}
    channels = set()
    kinds = {row.kind for row in report.rows}
    missing_index = {kind for kind in kinds if not kind.index_model.objects.exists()}
    for row in report.rows:
        if row.kind.parent_model is not None:
            parents.setdefault(row.kind, set()).add(row.parent_title)
        if row.channel:
            channels.add(row.channel)
    for kind in missing_index:
        report.problems.extend(
            Problem(
                row.sheet_row,
                "类型",
                _("站点中还没有“%s”，请先在后台建好这个栏目页。")
                % kind.index_model._meta.verbose_name,
            )
            for row in report.rows
            if row.kind is kind
        )
    report.rows = [row for row in report.rows if row.kind not in missing_index]
    for kind, titles in parents.items():
        existing = set(
            Page.objects.type(kind.parent_model)
            .filter(title__in=titles)
            .values_list("title", flat=True)
        )
        for title in sorted(titles - existing):
            warnings.append(
                _("站点中没有%(what)s“%(title)s”，导入时将新建（草稿）。")
                % {"what": kind.parent_model._meta.verbose_name, "title": title}
            )
    existing = set(
        Channel.objects.filter(name__in=channels).values_list("name", flat=True)
    )
    for name in sorted(channels - existing):
        warnings.append(_("站点中没有频道“%s”，导入时将新建。") % name)
    return warnings
