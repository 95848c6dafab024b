"""Proof of broadcast: reading the as-run logs stations send (CSV in UTF-8
or GB18030, or Excel) and matching their lines to airings.

A line matches the airing on the same channel that started nearest to it
within ``MATCH_WINDOW`` and carries the same house number, or, without house
numbers, whose programme or episode title the line names. Each matched
airing is marked aired, late or short with the difference; the airings of
the log's days that no line matched and that should have aired by now are
marked missing; lines that matched nothing are kept for a person.
"""

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.broadcasters.models import Channel

from .models import Airing, AiringStatus, AsRunImport, AsRunLine
from .services import schedule_channel_for
from .timezones import SCHEDULE_TZ, day_bounds, local

#: How far from its scheduled start a line may be and still match.
MATCH_WINDOW = dt.timedelta(minutes=30)
#: Starting this much later than scheduled makes an airing late.
LATE_TOLERANCE = dt.timedelta(minutes=1)
#: Running this much shorter than scheduled makes it short.
SHORT_TOLERANCE = dt.timedelta(minutes=1)
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_LINES = 20_000

COLUMNS = {
    "channel": ("频道", "频道名称", "channel"),
    "start": ("实际开始", "实际开始时间", "开始时间", "actual start", "start"),
    "end": ("实际结束", "实际结束时间", "结束时间", "actual end", "end"),
    "title": ("节目名称", "标题", "节目", "title"),
    "house_number": ("节目库号", "库号", "节目编号", "house number", "house_number"),
}
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
)


@dataclass
class LogLine:
    number: int
    channel: str
    start: dt.datetime
    end: dt.datetime
    title: str
    house_number: str


# --- Reading ------------------------------------------------------------------


def _rows(content: bytes, file_name: str) -> list[list]:
    if content[:4] == b"PK\x03\x04" or file_name.lower().endswith(".xlsx"):
        return _excel_rows(content)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text)))
    raise ValidationError(_("文件既不是 UTF-8 也不是 GB18030 编码的 CSV，无法读取。"))


def _excel_rows(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ValidationError(_("Excel 文件已损坏或不是 .xlsx 格式。")) from error
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _header_map(header: list) -> dict[str, int]:
    names = [str(cell or "").strip().lower() for cell in header]
    found = {}
    for key, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases:
                found[key] = index
                break
    missing = [COLUMNS[k][0] for k in ("start", "end") if k not in found]
    if missing:
        raise ValidationError(
            _("第 1 行须是表头，缺少列：%(cols)s。") % {"cols": "、".join(missing)}
        )
    if "title" not in found and "house_number" not in found:
        raise ValidationError(_("表头须有“节目名称”或“节目库号”列，用于核对节目。"))
    return found


def _time(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        text = str(value or "").strip()
        parsed = None
        for fmt in TIME_FORMATS:
            try:
                parsed = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if parsed is None:
            return None
    # Logs are written in Beijing time.
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=SCHEDULE_TZ)
    return parsed


def _cell(row: list, index: int | None) -> str:
    if index is None or index >= len(row) or row[index] is None:
        return ""
    return str(row[index]).strip()


def _channel_matches(value: str, channel: Channel, slug: str) -> bool:
    value = value.strip()
    return not value or value == slug or channel.name in value or value in str(channel)


def asrun_read(*, content: bytes, file_name: str, channel: Channel) -> list[LogLine]:
    """The log's lines, or ``ValidationError`` with every reason in Chinese."""
    slug = schedule_channel_for(channel=channel).slug

    def other_channel(value: str) -> str | None:
        if _channel_matches(value, channel, slug):
            return None
        return _("频道“%(value)s”不是所选的%(channel)s。") % {
            "value": value,
            "channel": channel,
        }

    return log_lines_read(content=content, file_name=file_name, refuse=other_channel)


def log_lines_read(
    *, content: bytes, file_name: str, refuse: Callable[[str], str | None]
) -> list[LogLine]:
    """The lines of an as-run or play log, or ``ValidationError`` with every
    reason in Chinese. ``refuse`` is asked about each line's 频道 cell and
    returns why the line does not belong to this log, or None. Screen
    operators' play logs are read here too (``play_logs``)."""
    if not content:
        raise ValidationError(_("文件是空的。"))
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError(_("文件超过 5 MB，请按天或按周拆分后再导入。"))
    rows = [
        r for r in _rows(content, file_name) if any(str(c or "").strip() for c in r)
    ]
    if not rows:
        raise ValidationError(_("文件是空的。"))
    if len(rows) > MAX_LINES + 1:
        raise ValidationError(
            _("文件超过 %(n)s 行，请拆分后再导入。") % {"n": MAX_LINES}
        )
    columns = _header_map(rows[0])
    lines, errors = [], []
    for number, row in enumerate(rows[1:], start=2):
        start = _time(row[columns["start"]] if columns["start"] < len(row) else "")
        end = _time(row[columns["end"]] if columns["end"] < len(row) else "")
        title = _cell(row, columns.get("title"))
        house_number = _cell(row, columns.get("house_number"))
        line_channel = _cell(row, columns.get("channel"))
        refusal = None
        if start is not None and end is not None and end > start:
            refusal = refuse(line_channel)
        if start is None or end is None:
            errors.append(
                _(
                    "第 %(n)s 行：实际开始或结束时间无法识别，"
                    "请写成 2026-05-02 19:30:00。"
                )
                % {"n": number}
            )
        elif end <= start:
            errors.append(_("第 %(n)s 行：结束时间须晚于开始时间。") % {"n": number})
        elif not title and not house_number:
            errors.append(
                _("第 %(n)s 行：节目名称和节目库号都是空的。") % {"n": number}
            )
        elif refusal:
            errors.append(
                _("第 %(n)s 行：%(reason)s") % {"n": number, "reason": refusal}
            )
        else:
            lines.append(LogLine(number, line_channel, start, end, title, house_number))
    if errors:
        raise ValidationError(errors[:20])
    if not lines:
        raise ValidationError(_("文件只有表头，没有播出记录。"))
    return lines


# --- Matching -----------------------------------------------------------------


def normal_title(text: str) -> str:
    """A title as logs and the library are compared: no spaces, quotes or dashes."""
    return re.sub(r"[\s《》〈〉“”\"'·:：—-]", "", text or "").lower()


def _names(airing: Airing, line: LogLine) -> bool:
    if line.house_number and airing.house_number:
        return line.house_number == airing.house_number
    title = normal_title(line.title)
    if not title:
        return False
    names = [normal_title(airing.programme.title)]
    if airing.episode_id:
        names.append(normal_title(airing.episode.title))
    return any(name and (name in title or title in name) for name in names)


def airing_status_for(airing: Airing) -> str:
    """Aired, late or short from the recorded actual times. A short airing
    is reported as short even if it also started late: missing content
    matters more to the station than a late start."""
    if airing.duration_difference is not None and (
        -airing.duration_difference > SHORT_TOLERANCE
    ):
        return AiringStatus.SHORT
    if airing.start_difference is not None and (
        airing.start_difference > LATE_TOLERANCE
    ):
        return AiringStatus.LATE
    return AiringStatus.AIRED


@transaction.atomic
def asrun_import(
    *, channel: Channel, file_name: str, content: bytes, user=None
) -> AsRunImport:
    """Read an as-run log, match it to ``channel``'s airings and record the
    outcome. Refuses a bad file as a whole with ``ValidationError``."""
    lines = asrun_read(content=content, file_name=file_name, channel=channel)
    first_day = min(local(line.start).date() for line in lines)
    last_day = max(local(line.start).date() for line in lines)
    log = AsRunImport.objects.create(
        channel=channel,
        file_name=file_name[:255],
        imported_by=user,
        first_day=first_day,
        last_day=last_day,
    )
    start, end = day_bounds(first_day, last_day)
    candidates = list(
        Airing.objects.on_channel(channel)
        .filter(start_at__gte=start - MATCH_WINDOW, start_at__lt=end + MATCH_WINDOW)
        .select_related("programme", "episode")
    )
    matched: set[int] = set()
    for line in sorted(lines, key=lambda item: item.start):
        airing = _best_match(line, candidates, matched)
        if airing is not None:
            matched.add(airing.pk)
            airing.actual_start_at = line.start
            airing.actual_end_at = line.end
            airing.status = airing_status_for(airing)
            airing.save(update_fields=["actual_start_at", "actual_end_at", "status"])
        AsRunLine.objects.create(
            log=log,
            line_number=line.number,
            actual_start_at=line.start,
            actual_end_at=line.end,
            title=line.title[:255],
            house_number=line.house_number[:40],
            airing=airing,
        )
    now = timezone.now()
    for airing in candidates:
        if (
            airing.pk not in matched
            and start <= airing.start_at < end
            and airing.end_at <= now
            and airing.status in (AiringStatus.SCHEDULED, AiringStatus.MISSING)
        ):
            airing.status = AiringStatus.MISSING
            airing.actual_start_at = airing.actual_end_at = None
            airing.save(update_fields=["status", "actual_start_at", "actual_end_at"])
    return log


def _best_match(line: LogLine, candidates: list[Airing], matched: set[int]):
    near = [
        a
        for a in candidates
        if a.pk not in matched
        and abs(line.start - a.start_at) <= MATCH_WINDOW
        and _names(a, line)
    ]
    return min(near, key=lambda a: abs(line.start - a.start_at), default=None)


def asrun_missing(log: AsRunImport):
    """The airings of the log's days marked missing."""
    return (
        Airing.objects.on_channel(log.channel)
        .between(*day_bounds(log.first_day, log.last_day))
        .filter(status=AiringStatus.MISSING)
        .select_related("programme", "episode")
    )
