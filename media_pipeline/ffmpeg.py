"""The one hardened way this project runs ffprobe and ffmpeg.

Untrusted media has tricked FFmpeg into reading local files through playlists
hidden in other containers (CVE-2016-1897/1898, CVE-2017-9993). So every call:

- takes a local regular file, never a URL or a ``concat:``/``subfile:`` spec;
- allows only the ``file`` protocol and, when probing, an allow-list of
  demuxers; after probing, the input format is pinned to what was found;
- runs with a time limit, no stdin, and no network protocols at all;
- returns typed results and raises PermanentMediaError (the file is the
  problem) or TransientMediaError (the machine is) with a reason in Chinese.

ffmpeg-python writes the arguments (its graph API names the filter-graph
labels and the ``-map`` options); it never runs anything here. Its own
``run()`` and ``probe()`` have no time limit, progress or clean environment.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import ffmpeg as ffmpeg_python
from django.utils.translation import gettext as _
from ffmpeg._utils import convert_kwargs_to_cmd_line_args
from ffmpeg.dag import topo_sort
from ffmpeg.nodes import FilterableStream, InputNode, OutputStream

from .errors import PermanentMediaError, TransientMediaError

FFMPEG = os.environ.get("FFMPEG_BINARY", "ffmpeg")
FFPROBE = os.environ.get("FFPROBE_BINARY", "ffprobe")
MIN_VERSION = (5, 0)

# Demuxers we accept. Playlist and indirection formats (hls, concat, …) are
# absent on purpose: they open other files.
ALLOWED_DEMUXERS = (
    "mov",
    "mp4",
    "m4a",
    "3gp",
    "3g2",
    "mj2",
    "matroska",
    "webm",
    "avi",
    "mpegts",
    "mpeg",
    "flv",
    "mxf",
    "asf",
    "mp3",
    "wav",
    "w64",
    "flac",
    "ogg",
    "aac",
    "aiff",
    "h264",
    "hevc",
)
# Prefixes FFmpeg treats as protocols or indirections rather than files.
FORBIDDEN_INPUT = re.compile(r"^([a-z][a-z0-9+.\-]*:|concat:|subfile:)", re.I)
PROBE_TIMEOUT_SECONDS = 60
STDERR_TAIL_LINES = 30


@dataclass(frozen=True)
class StreamInfo:
    index: int
    codec_type: str
    codec_name: str
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    bit_rate: int | None = None
    rotation: int = 0


@dataclass(frozen=True)
class ProbeResult:
    format_name: str
    duration: float | None
    size: int
    bit_rate: int | None
    streams: tuple[StreamInfo, ...]
    raw: dict = field(repr=False, compare=False)

    @property
    def demuxer(self) -> str:
        """The name to pin the input format to: the first of FFmpeg's aliases."""
        return self.format_name.split(",")[0]

    @property
    def video(self) -> StreamInfo | None:
        return next(
            (
                s
                for s in self.streams
                if s.codec_type == "video" and not self._is_cover_art(s)
            ),
            None,
        )

    @property
    def audio(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.codec_type == "audio"), None)

    def _is_cover_art(self, stream: StreamInfo) -> bool:
        # Album art in MP3/M4A shows up as a one-frame "video" stream.
        for raw in self.raw.get("streams", []):
            if raw.get("index") == stream.index:
                return bool(raw.get("disposition", {}).get("attached_pic"))
        return False

    @property
    def display_size(self) -> tuple[int, int] | None:
        """Width and height as shown, after any rotation in the metadata."""
        video = self.video
        if not video or not video.width or not video.height:
            return None
        if abs(video.rotation) % 180 == 90:
            return video.height, video.width
        return video.width, video.height


def safe_input(path: Path | str) -> Path:
    """The path as an absolute local regular file, or a permanent error."""
    text = os.fspath(path)
    if FORBIDDEN_INPUT.match(text) and not os.path.isabs(text):
        raise PermanentMediaError(
            _("只能处理本地文件，不能处理网址或特殊输入。"), detail=text
        )
    resolved = Path(text).resolve()
    if not resolved.is_file():
        raise PermanentMediaError(_("找不到要处理的文件。"), detail=str(resolved))
    return resolved


def base_args(binary: str) -> list[str]:
    return [binary, "-hide_banner", "-nostdin"] if binary == FFMPEG else [binary]


@dataclass(frozen=True)
class Filter:
    """One filter of a chain, with its options as ffmpeg-python's
    ``.filter()`` takes them; ffmpeg-python escapes them into the graph."""

    name: str
    args: tuple = ()
    options: dict = field(default_factory=dict)

    def apply(self, stream: FilterableStream) -> FilterableStream:
        return stream.filter(self.name, *self.args, **self.options)


def pinned_input(path: Path | str, input_format: str) -> FilterableStream:
    """The one input of an ffmpeg run: a checked local file, read with the
    demuxer probing found (FFmpeg must not guess again from the content)."""
    source = safe_input(path)
    if input_format not in ALLOWED_DEMUXERS:
        raise PermanentMediaError(
            _("不支持的封装格式：%(format)s。") % {"format": input_format}
        )
    return ffmpeg_python.input(str(source), format=input_format)


def _compiled_arguments(outputs: OutputStream) -> list[str]:
    """ffmpeg-python's arguments for ``outputs``, without the binary name.

    Every input of the graph must have come from pinned_input: a graph that
    reads anything else (a URL, a lavfi or concat input, extra input options)
    is a programming error, refused before anything runs.
    """
    nodes, _edges = topo_sort([outputs.node])
    for node in nodes:
        if not isinstance(node, InputNode):
            continue
        options = dict(node.kwargs)
        if set(options) != {"filename", "format"}:
            raise ValueError(f"ffmpeg input with unexpected options: {options}")
        if options["format"] not in ALLOWED_DEMUXERS:
            raise ValueError(f"ffmpeg input format not allowed: {options['format']}")
        safe_input(options["filename"])
    _binary, *arguments = outputs.compile(cmd=FFMPEG)
    return arguments


def _parse_rate(text: str | None) -> float | None:
    if not text or text in ("0/0", "0"):
        return None
    try:
        value = float(Fraction(text))
    except (ValueError, ZeroDivisionError):
        return None
    return round(value, 3) if value > 0 else None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _rotation(raw: dict) -> int:
    for side_data in raw.get("side_data_list", []) or []:
        if "rotation" in side_data:
            return int(float(side_data["rotation"]))
    return _int(raw.get("tags", {}).get("rotate")) or 0


def _stream(raw: dict) -> StreamInfo:
    return StreamInfo(
        index=int(raw.get("index", 0)),
        codec_type=raw.get("codec_type", ""),
        codec_name=raw.get("codec_name", ""),
        width=_int(raw.get("width")),
        height=_int(raw.get("height")),
        frame_rate=_parse_rate(raw.get("avg_frame_rate"))
        or _parse_rate(raw.get("r_frame_rate")),
        sample_rate=_int(raw.get("sample_rate")),
        channels=_int(raw.get("channels")),
        bit_rate=_int(raw.get("bit_rate")),
        rotation=_rotation(raw),
    )


def probe_command(source: Path) -> list[str]:
    """The ffprobe command for a checked local file.

    ffprobe takes no filter graph, so ffmpeg-python's graph API has nothing
    to build here; the options are written by the helper its own ``probe()``
    uses (private, hence the exact pin of ffmpeg-python). That ``probe()``
    runs ffprobe itself with no time limit, so the command goes through
    ``_run`` instead.
    """
    options = {
        "v": "error",
        "protocol_whitelist": "file",
        "format_whitelist": ",".join(ALLOWED_DEMUXERS),
        "print_format": "json",
        "show_format": None,
        "show_streams": None,
    }
    return [
        *base_args(FFPROBE),
        *convert_kwargs_to_cmd_line_args(options),
        str(source),
    ]


def probe(path: Path | str, *, timeout: float = PROBE_TIMEOUT_SECONDS) -> ProbeResult:
    """Read the container and stream facts of a local file with ffprobe."""
    source = safe_input(path)
    completed = _run(probe_command(source), timeout=timeout)
    if completed.returncode != 0:
        raise PermanentMediaError(
            _("无法识别这个文件：它不是受支持的音视频文件，或者文件已损坏。"),
            detail=completed.stderr.strip()[-2000:],
        )
    try:
        raw = json.loads(completed.stdout or "{}")
    except json.JSONDecodeError as error:
        raise TransientMediaError(
            _("检测工具输出异常，稍后将重试。"), detail=str(error)
        ) from error
    fmt = raw.get("format") or {}
    if not fmt.get("format_name"):
        raise PermanentMediaError(
            _("无法识别这个文件的格式。"), detail=completed.stderr
        )
    duration = fmt.get("duration")
    return ProbeResult(
        format_name=fmt["format_name"],
        duration=float(duration) if duration not in (None, "N/A") else None,
        size=_int(fmt.get("size")) or source.stat().st_size,
        bit_rate=_int(fmt.get("bit_rate")),
        streams=tuple(_stream(s) for s in raw.get("streams", [])),
        raw=raw,
    )


ProgressCallback = Callable[[float], bool | None]


def run_ffmpeg(
    *,
    outputs: OutputStream,
    timeout: float,
    on_progress: ProgressCallback | None = None,
    cwd: Path | None = None,
) -> None:
    """Run one ffmpeg that makes ``outputs``, an ffmpeg-python graph read
    from a pinned_input.

    ``on_progress`` receives the seconds of output written so far, about once
    a second; returning False stops ffmpeg (a cancelled job).
    """
    # These options come first, from here, not from ffmpeg-python: its
    # global_args() land after the last output, where a per-input option such
    # as -protocol_whitelist no longer reaches the input.
    command = [
        *base_args(FFMPEG),
        "-y",
        "-loglevel",
        "error",
        "-nostats",
        "-progress",
        "pipe:1",
        "-protocol_whitelist",
        "file,pipe",
        *_compiled_arguments(outputs),
    ]
    _run_with_progress(command, timeout=timeout, on_progress=on_progress, cwd=cwd)


def run_ffmpeg_analysis(
    *,
    streams: Sequence[FilterableStream],
    timeout: float,
) -> str:
    """Run an analysis-only ffmpeg (``streams`` go to the null muxer) and
    return its log.

    Filters such as loudnorm and ebur128 print their measurements to the log.
    """
    outputs = ffmpeg_python.output(*streams, "-", format="null")
    command = [
        *base_args(FFMPEG),
        "-loglevel",
        "info",
        "-nostats",
        "-protocol_whitelist",
        "file",
        *_compiled_arguments(outputs),
    ]
    completed = _run(command, timeout=timeout)
    if completed.returncode != 0:
        raise _error_from_exit(completed.returncode, completed.stderr)
    return completed.stderr


def _run(command: list[str], *, timeout: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env=_environment(),
        )
    except subprocess.TimeoutExpired as error:
        raise TransientMediaError(
            _("处理超时，稍后将重试。"),
            detail=f"{command[0]} timed out after {timeout}s",
        ) from error
    except FileNotFoundError as error:
        raise TransientMediaError(
            _("服务器未安装 FFmpeg，请联系管理员。"), detail=str(error)
        ) from error


def _environment() -> dict:
    # No proxies or other network hints reach FFmpeg.
    keep = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR")
    return {key: os.environ[key] for key in keep if key in os.environ}


def _run_with_progress(
    command: list[str],
    *,
    timeout: float,
    on_progress: ProgressCallback | None,
    cwd: Path | None,
) -> None:
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryFile(mode="w+t") as stderr:
        try:
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                text=True,
                cwd=cwd,
                env=_environment(),
                start_new_session=True,
            )
        except FileNotFoundError as error:
            raise TransientMediaError(
                _("服务器未安装 FFmpeg，请联系管理员。"), detail=str(error)
            ) from error
        stopped = False
        try:
            for line in process.stdout:
                if time.monotonic() > deadline:
                    _stop(process)
                    raise TransientMediaError(
                        _("处理超时，稍后将重试。"),
                        detail=f"timed out after {timeout}s",
                    )
                key, _sep, value = line.strip().partition("=")
                wants_stop = (
                    key == "out_time_us"
                    and on_progress is not None
                    and value.isdigit()
                    and on_progress(int(value) / 1_000_000) is False
                )
                if wants_stop:
                    _stop(process)
                    stopped = True
                    break
            returncode = process.wait(timeout=max(deadline - time.monotonic(), 1))
        except subprocess.TimeoutExpired as error:
            _stop(process)
            raise TransientMediaError(
                _("处理超时，稍后将重试。"), detail=f"timed out after {timeout}s"
            ) from error
        except BaseException:
            _stop(process)
            raise
        if stopped:
            raise JobStopped()
        if returncode != 0:
            stderr.seek(0)
            tail = "".join(deque(stderr, maxlen=STDERR_TAIL_LINES))
            raise _error_from_exit(returncode, tail)


class JobStopped(Exception):
    """The caller asked ffmpeg to stop (the job was cancelled or taken over)."""


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _error_from_exit(returncode: int, stderr: str):
    if returncode < 0 or "No space left on device" in stderr:
        return TransientMediaError(
            _("转码进程意外中止，稍后将重试。"), detail=stderr[-2000:]
        )
    return PermanentMediaError(
        _("转码失败：文件内容有误或已损坏。"), detail=stderr[-2000:]
    )


def ffmpeg_version(binary: str) -> tuple[int, int] | None:
    """(major, minor) of an installed ffmpeg or ffprobe, None if missing."""
    if shutil.which(binary) is None:
        return None
    try:
        output = subprocess.run(
            [binary, "-version"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"version n?(\d+)\.(\d+)", output)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)
