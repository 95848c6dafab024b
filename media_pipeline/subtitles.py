"""Subtitle files: read an upload, check it, and make WebVTT of it.

Players (``<track>``) and platforms take WebVTT; producers often have SubRip
(SRT) from their editing software. Both are accepted and the library keeps
WebVTT only. A file is refused, with the reason in Chinese and the line at
fault, unless it is UTF-8 text of a known format with at least one cue, every
cue's timing readable and ending after it starts.

These are pure functions over bytes: nothing is stored here (see
``services.subtitles``).
"""

import re
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from .conf import media_settings

#: Subtitles are text: a feature film's run to a few hundred KB at most.
FORMATS = {".vtt": "webvtt", ".srt": "srt"}
QUOTE_CHARS = 40
# The longest a timestamp may be: nothing we publish runs for 100 hours.
MAX_SECONDS = 100 * 3600

VTT_TIMESTAMP = re.compile(r"^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$")
SRT_TIMESTAMP = re.compile(r"^(\d{1,3}):([0-5]?\d):([0-5]?\d)[,.](\d{1,3})$")
TIMING = re.compile(r"^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t]+(.*))?$")
# Markup SRT files carry that WebVTT either knows (b, i, u) or must lose.
SRT_KEPT_TAG = re.compile(r"</?[biu]>", re.IGNORECASE)
SRT_DROPPED_TAG = re.compile(r"</?font\b[^>]*>|\{\\[^}]*\}", re.IGNORECASE)
# An ampersand that does not start a character reference.
BARE_AMPERSAND = re.compile(r"&(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)")


class SubtitleError(Exception):
    """A subtitle file we refuse; ``reason`` tells the producer why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = str(reason)


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str
    identifier: str = ""
    settings: str = ""


@dataclass(frozen=True)
class Subtitles:
    """A checked subtitle file, as the WebVTT text the library keeps."""

    webvtt: str
    cues: tuple[Cue, ...]
    source_format: str

    @property
    def end_seconds(self) -> float:
        return max(cue.end for cue in self.cues)


def max_bytes() -> int:
    return int(media_settings.MEDIA_SUBTITLE_MAX_BYTES)


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size / 1024:g} KB"


def _quote(line: str) -> str:
    line = line.strip()
    return line if len(line) <= QUOTE_CHARS else line[:QUOTE_CHARS] + "…"


def format_timestamp(seconds: float) -> str:
    """WebVTT's ``HH:MM:SS.mmm``."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def read_subtitles(source, *, filename: str, limit: int | None = None) -> Subtitles:
    """Read at most ``limit`` bytes of ``source`` (a binary file object) and
    check them; SubtitleError says what is wrong."""
    limit = max_bytes() if limit is None else limit
    suffix = Path(filename or "").suffix.lower()
    source_format = FORMATS.get(suffix)
    if source_format is None:
        raise SubtitleError(
            _(
                "只接受 WebVTT（.vtt）或 SRT（.srt）字幕文件，“%(name)s”不是："
                "请从剪辑软件导出这两种格式之一。"
            )
            % {"name": Path(filename or "").name or _("（无文件名）")}
        )
    data = source.read(limit + 1)
    if len(data) > limit:
        raise SubtitleError(
            _(
                "字幕文件超过 %(limit)s 的上限：字幕是纯文本，通常只有几十 KB，"
                "请检查是否选错了文件。"
            )
            % {"limit": _size_label(limit)}
        )
    return parse_subtitles(data, source_format=source_format)


def decode(data: bytes) -> str:
    """The file as text with Unix line ends, or SubtitleError."""
    if not data.strip():
        raise SubtitleError(_("字幕文件是空的：请导出带字幕内容的文件。"))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SubtitleError(
            _("字幕文件是 UTF-16 编码：请用文本编辑器另存为 UTF-8 后重新上传。")
        )
    if b"\x00" in data:
        raise SubtitleError(
            _("字幕文件含有二进制内容，不是文本字幕：请检查是否选错了文件。")
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SubtitleError(
            _(
                "字幕文件不是 UTF-8 编码（第 %(line)s 行无法按 UTF-8 读取，"
                "可能是 GBK 或 GB18030）：请用文本编辑器另存为 UTF-8 后重新上传。"
            )
            % {"line": line}
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_subtitles(data: bytes, *, source_format: str) -> Subtitles:
    text = decode(data)
    if source_format == "srt":
        cues = parse_srt(text)
        return Subtitles(webvtt=srt_to_webvtt(cues), cues=cues, source_format="srt")
    cues = parse_webvtt(text)
    return Subtitles(webvtt=text.rstrip("\n") + "\n", cues=cues, source_format="webvtt")


def _blocks(lines: list[str], start: int = 0):
    """(first line number, lines) of each block of non-blank lines."""
    block: list[str] = []
    first = 0
    for number, line in enumerate(lines[start:], start + 1):
        if line.strip():
            if not block:
                first = number
            block.append(line)
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _timing_error(line_number: int, line: str, example: str) -> SubtitleError:
    return SubtitleError(
        _(
            "第 %(line)s 行的时间码无法识别：“%(text)s”，应形如 %(example)s。"
            "请在剪辑软件中重新导出字幕。"
        )
        % {"line": line_number, "text": _quote(line), "example": example}
    )


def _check_order(line_number: int, start: float, end: float) -> None:
    if end <= start:
        raise SubtitleError(
            _(
                "第 %(line)s 行的结束时间（%(end)s）不晚于开始时间（%(start)s）："
                "请改正这条字幕的时间码。"
            )
            % {
                "line": line_number,
                "start": format_timestamp(start),
                "end": format_timestamp(end),
            }
        )
    if end > MAX_SECONDS:
        raise SubtitleError(
            _("第 %(line)s 行的时间码超过 100 小时：请改正这条字幕的时间码。")
            % {"line": line_number}
        )


def _check_text(
    first: int, text_lines: list[str], seconds, *, allow_arrows: bool
) -> None:
    """A cue's text lines: a timing line among them means a missing blank line;
    WebVTT forbids "-->" in text at all (SRT's is escaped on conversion)."""
    for number, line in enumerate(text_lines, first):
        if "-->" not in line:
            continue
        timing = TIMING.match(line.strip())
        if timing and seconds(timing.group(1)) is not None:
            raise SubtitleError(
                _(
                    "第 %(line)s 行像是下一条字幕的时间码，前面少了一个空行："
                    "请在两条字幕之间空一行。"
                )
                % {"line": number}
            )
        if not allow_arrows:
            raise SubtitleError(
                _("第 %(line)s 行：WebVTT 字幕文字里不能出现“-->”：请改用其他符号。")
                % {"line": number}
            )


def _no_cues() -> SubtitleError:
    return SubtitleError(
        _("字幕文件里没有任何字幕条目：请导出带时间码的字幕后重新上传。")
    )


# --- WebVTT --------------------------------------------------------------------

VTT_EXAMPLE = "00:01:02.500 --> 00:01:05.000"


def _vtt_seconds(value: str) -> float | None:
    match = VTT_TIMESTAMP.match(value)
    if not match:
        return None
    hours, minutes, seconds, millis = match.groups()
    return (
        int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000
    )


def parse_webvtt(text: str) -> tuple[Cue, ...]:
    """The cues of a WebVTT file (W3C WebVTT: header, then blocks)."""
    lines = text.split("\n")
    header = lines[0]
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", header):
        hint = ""
        if any(re.search(r"\d:\d\d,\d{3}\s+-->", line) for line in lines[:20]):
            hint = _("内容像是 SRT 字幕，请把扩展名改为 .srt 后上传，或")
        raise SubtitleError(
            _(
                "不是 WebVTT 文件：第一行应为“WEBVTT”，实为“%(text)s”。"
                "%(hint)s请从剪辑软件重新导出 WebVTT。"
            )
            % {"text": _quote(header), "hint": hint}
        )
    # The header runs to the first blank line.
    body_start = next(
        (i for i, line in enumerate(lines) if not line.strip()), len(lines)
    )
    for number, line in enumerate(lines[1:body_start], 2):
        if "-->" in line:
            raise SubtitleError(
                _(
                    "第 %(line)s 行：“WEBVTT”这一行之后要先空一行，再写第一条字幕："
                    "请在两者之间加一个空行。"
                )
                % {"line": number}
            )
    cues = []
    for first, block in _blocks(lines, body_start):
        keyword = block[0].split(maxsplit=1)[0] if block[0].split() else ""
        if keyword in ("NOTE", "STYLE", "REGION") and "-->" not in block[0]:
            continue
        identifier, timing_at = "", 0
        if "-->" not in block[0]:
            identifier, timing_at = block[0].strip(), 1
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            # Where the timing should have been, had there been no identifier.
            raise _timing_error(first, block[0], VTT_EXAMPLE)
        line_number = first + timing_at
        timing = TIMING.match(block[timing_at].strip())
        start = _vtt_seconds(timing.group(1)) if timing else None
        end = _vtt_seconds(timing.group(2)) if timing else None
        if start is None or end is None:
            raise _timing_error(line_number, block[timing_at], VTT_EXAMPLE)
        _check_order(line_number, start, end)
        _check_text(
            line_number + 1,
            block[timing_at + 1 :],
            _vtt_seconds,
            allow_arrows=False,
        )
        cues.append(
            Cue(
                start=start,
                end=end,
                text="\n".join(block[timing_at + 1 :]),
                identifier=identifier,
                settings=(timing.group(3) or "").strip(),
            )
        )
    if not cues:
        raise _no_cues()
    return tuple(cues)


# --- SubRip (SRT) ----------------------------------------------------------------

SRT_EXAMPLE = "00:01:02,500 --> 00:01:05,000"


def _srt_seconds(value: str) -> float | None:
    match = SRT_TIMESTAMP.match(value)
    if not match:
        return None
    hours, minutes, seconds, millis = match.groups()
    return (
        int(hours) * 3600
        + int(minutes) * 60
        + int(seconds)
        + int(millis.ljust(3, "0")) / 1000
    )


def parse_srt(text: str) -> tuple[Cue, ...]:
    """The cues of a SubRip file: blocks of a number, a timing line and text."""
    lines = text.split("\n")
    cues = []
    for first, block in _blocks(lines):
        timing_at = 0 if "-->" in block[0] else 1
        identifier = "" if timing_at == 0 else block[0].strip()
        if timing_at == 1 and not identifier.isdigit():
            raise SubtitleError(
                _(
                    "第 %(line)s 行应为字幕序号或时间码，实为“%(text)s”："
                    "这不像 SRT 字幕，请从剪辑软件重新导出。"
                )
                % {"line": first, "text": _quote(block[0])}
            )
        line_number = first + timing_at
        if timing_at >= len(block):
            raise _timing_error(line_number - 1, block[-1], SRT_EXAMPLE)
        timing = TIMING.match(block[timing_at].strip())
        start = _srt_seconds(timing.group(1)) if timing else None
        end = _srt_seconds(timing.group(2)) if timing else None
        if start is None or end is None:
            raise _timing_error(line_number, block[timing_at], SRT_EXAMPLE)
        _check_order(line_number, start, end)
        _check_text(
            line_number + 1, block[timing_at + 1 :], _srt_seconds, allow_arrows=True
        )
        cues.append(
            Cue(
                start=start,
                end=end,
                text="\n".join(block[timing_at + 1 :]),
                identifier=identifier,
            )
        )
    if not cues:
        raise _no_cues()
    return tuple(cues)


def _escape_srt_text(text: str) -> str:
    """SRT text as WebVTT cue text: <b>, <i>, <u> kept, <font> and ASS
    override codes dropped, and every other ``&``, ``<`` and ``-->`` escaped,
    since WebVTT would read them as markup or as a timing line."""
    text = SRT_DROPPED_TAG.sub("", text)
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(match.group(0).lower())
        return f"\x00{len(kept) - 1}\x00"

    text = SRT_KEPT_TAG.sub(keep, text)
    text = BARE_AMPERSAND.sub("&amp;", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)


def srt_to_webvtt(cues: tuple[Cue, ...]) -> str:
    parts = ["WEBVTT", ""]
    for cue in cues:
        if cue.identifier:
            parts.append(cue.identifier)
        parts.append(f"{format_timestamp(cue.start)} --> {format_timestamp(cue.end)}")
        text = "\n".join(
            line for line in _escape_srt_text(cue.text).split("\n") if line.strip()
        )
        if text:
            parts.append(text)
        parts.append("")
    return "\n".join(parts)
