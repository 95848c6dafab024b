"""The one hardened way this project runs ffprobe and ffmpeg.

Untrusted media has tricked FFmpeg into reading local files through playlists
hidden in other containers (CVE-2016-1897/1898, CVE-2017-9993). So every call:

- takes a local regular file, never a URL or a ``concat:``/``subfile:`` spec;
- allows only the ``file`` protocol and, when probing, an allow-list of
  demuxers; after probing, the input format is pinned to what was found;
- reads the input capped at the duration limit (``-t``) and the pixel
  limit (``-max_pixels``, checked by the decoder on every picture), so the
  limits hold whatever the container's header claims;
- runs in one runner (``_run``) with a time limit, an address-space limit,
  no stdin and no network protocols at all, that a cancelled job stops
  within a second, analysis passes and probes included;
- returns typed results and raises PermanentMediaError (the file is the
  problem) or TransientMediaError (the machine is) with a reason in Chinese.

ffmpeg-python writes the arguments (its graph API names the filter-graph
labels and the ``-map`` options); it never runs anything here. Its own
``run()`` and ``probe()`` have no time limit, progress or clean environment.
"""

import functools
import hashlib
import json
import os
import re
import resource
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import ffmpeg as ffmpeg_python
from django.utils.translation import gettext as _
from ffmpeg._utils import convert_kwargs_to_cmd_line_args
from ffmpeg.dag import topo_sort
from ffmpeg.nodes import FilterableStream, InputNode, OutputStream

from .conf import media_settings
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

#: Receives the seconds of media done; returning False stops the process.
ProgressCallback = Callable[[float], bool | None]


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


def decoder_limits() -> dict[str, str]:
    """The limits every input is read with, as ffmpeg input options.

    ``t`` stops reading at the duration limit and ``max_pixels`` makes the
    decoders refuse any larger picture: both hold for what is decoded, not
    for what the header says (a header may claim 10 s and hold hours, or
    show small first pictures and huge later ones).
    """
    return {
        "t": f"{float(media_settings.MEDIA_MAX_DURATION_SECONDS):g}",
        "max_pixels": str(int(media_settings.MEDIA_MAX_PIXELS)),
    }


def pinned_input(
    path: Path | str,
    input_format: str,
    *,
    start: float | None = None,
    duration: float | None = None,
) -> FilterableStream:
    """The one input of an ffmpeg run: a checked local file, read with the
    demuxer probing found (FFmpeg must not guess again from the content) and
    within the decoder limits.

    ``start`` and ``duration`` read one time range (a chunk): ``-ss`` before
    ``-i`` seeks to the keyframe before ``start`` and decodes from there,
    frame-accurately, with timestamps from zero; ``-t`` stays within the
    duration limit.
    """
    source = safe_input(path)
    if input_format not in ALLOWED_DEMUXERS:
        raise PermanentMediaError(
            _("不支持的封装格式：%(format)s。") % {"format": input_format}
        )
    limits = decoder_limits()
    if duration is not None:
        limits["t"] = f"{min(duration, float(limits['t'])):.6f}"
    if start:
        limits["ss"] = f"{start:.6f}"
    return ffmpeg_python.input(str(source), format=input_format, **limits)


def _within_limits(limits: dict) -> bool:
    """Whether an input's limits are the decoder limits, or a chunk's
    shorter duration within them."""
    expected = decoder_limits()
    try:
        duration = float(limits["t"])
    except (TypeError, ValueError):
        return False
    return limits["max_pixels"] == expected["max_pixels"] and 0 < duration <= float(
        expected["t"]
    )


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
        limits = {key: options.pop(key, None) for key in decoder_limits()}
        start = options.pop("ss", "0")
        if set(options) != {"filename", "format"}:
            raise ValueError(f"ffmpeg input with unexpected options: {options}")
        if not _within_limits(limits) or float(start) < 0:
            raise ValueError(f"ffmpeg input without the decoder limits: {limits}")
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
        # Probing decodes a few pictures too.
        "max_pixels": str(int(media_settings.MEDIA_MAX_PIXELS)),
        "print_format": "json",
        "show_format": None,
        "show_streams": None,
    }
    return [
        *base_args(FFPROBE),
        *convert_kwargs_to_cmd_line_args(options),
        str(source),
    ]


def probe(
    path: Path | str,
    *,
    timeout: float = PROBE_TIMEOUT_SECONDS,
    on_progress: ProgressCallback | None = None,
) -> ProbeResult:
    """Read the container and stream facts of a local file with ffprobe.

    These are claims of the file's header; the limits that matter are
    enforced again while decoding (decoder_limits, ``decode_limit``).
    """
    source = safe_input(path)
    completed = _run(probe_command(source), timeout=timeout, on_progress=on_progress)
    if completed.returncode != 0:
        raise PermanentMediaError(
            _("无法识别这个文件：它不是受支持的音视频文件，或者文件已损坏。"),
            detail=completed.log.strip()[-2000:],
        )
    try:
        raw = json.loads(completed.stdout or "{}")
    except json.JSONDecodeError as error:
        raise TransientMediaError(
            _("检测工具输出异常，稍后将重试。"), detail=str(error)
        ) from error
    if not (raw.get("format") or {}).get("format_name"):
        raise PermanentMediaError(_("无法识别这个文件的格式。"), detail=completed.log)
    return probe_result(raw, size=source.stat().st_size)


def probe_result(raw: dict, *, size: int = 0) -> ProbeResult:
    """The typed result of ffprobe's JSON ``raw`` (as probed, or as kept on
    the asset); ``size`` when the JSON does not say."""
    fmt = raw.get("format") or {}
    duration = fmt.get("duration")
    return ProbeResult(
        format_name=fmt["format_name"],
        duration=float(duration) if duration not in (None, "N/A") else None,
        size=_int(fmt.get("size")) or size,
        bit_rate=_int(fmt.get("bit_rate")),
        streams=tuple(_stream(s) for s in raw.get("streams", [])),
        raw=raw,
    )


def run_ffmpeg(
    *,
    outputs: OutputStream,
    timeout: float,
    on_progress: ProgressCallback | None = None,
    decode_limit: float | None = None,
    cwd: Path | None = None,
) -> float:
    """Run one ffmpeg that makes ``outputs``, an ffmpeg-python graph read
    from a pinned_input; return the seconds of media it actually decoded.

    ``on_progress`` receives the seconds of output written so far, about once
    a second; returning False stops ffmpeg (a cancelled job). Past
    ``decode_limit`` seconds the file has lied about its duration, and the
    pass stops with a permanent error.
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
    finished = _run(
        command,
        timeout=timeout,
        on_progress=on_progress,
        decode_limit=decode_limit,
        progress=True,
        cwd=cwd,
    )
    if finished.returncode != 0:
        raise _error_from_exit(finished.returncode, finished.log)
    return finished.seconds_done


def run_ffmpeg_analysis(
    *,
    streams: Sequence[FilterableStream],
    timeout: float,
    on_progress: ProgressCallback | None = None,
    decode_limit: float | None = None,
) -> str:
    """Run an analysis-only ffmpeg (``streams`` go to the null muxer) and
    return the end of its log.

    Filters such as loudnorm and ebur128 print their measurements to the log.
    It is stopped like a transcode: by ``on_progress`` returning False, or
    past ``decode_limit`` seconds (see run_ffmpeg).
    """
    outputs = ffmpeg_python.output(*streams, "-", format="null")
    command = [
        *base_args(FFMPEG),
        "-loglevel",
        "info",
        "-nostats",
        "-progress",
        "pipe:1",
        "-protocol_whitelist",
        "file",
        *_compiled_arguments(outputs),
    ]
    finished = _run(
        command,
        timeout=timeout,
        on_progress=on_progress,
        decode_limit=decode_limit,
        progress=True,
    )
    if finished.returncode != 0:
        raise _error_from_exit(finished.returncode, finished.log)
    return finished.log


@dataclass(frozen=True)
class Finished:
    """How an ffmpeg or ffprobe process ended."""

    returncode: int
    stdout: str
    #: The end of its log (stderr): errors, and the analysis filters' results.
    log: str
    #: The furthest output time it reported, in seconds (0 without -progress).
    seconds_done: float


class JobStopped(Exception):
    """The caller asked ffmpeg to stop (the job was cancelled or taken over)."""


def _run(
    command: list[str],
    *,
    timeout: float,
    on_progress: ProgressCallback | None = None,
    decode_limit: float | None = None,
    progress: bool = False,
    cwd: Path | None = None,
) -> Finished:
    """The one place an ffmpeg or ffprobe process is started.

    It runs in its own process group, with no stdin, a clean environment and
    an address-space limit, and is watched until it ends: killed past
    ``timeout`` (transient), when ``on_progress`` returns False (JobStopped;
    it is asked at least once a second, even while the process prints
    nothing), when its output time passes ``decode_limit``, or when its log
    shows a picture over the pixel limit or an allocation that failed (all
    permanent: FFmpeg drops such pictures and may exit 0). With ``progress``
    its stdout is ``-progress pipe:1``; otherwise stdout is kept and returned.
    """
    deadline = time.monotonic() + timeout
    with (
        tempfile.TemporaryFile() as stdout_file,
        tempfile.TemporaryFile() as stderr_file,
    ):
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if progress else stdout_file,
                stderr=stderr_file,
                cwd=cwd,
                env=_environment(),
                start_new_session=True,
                preexec_fn=_address_space_limiter(
                    int(media_settings.MEDIA_FFMPEG_MEMORY_BYTES)
                ),
            )
        except FileNotFoundError as error:
            raise TransientMediaError(
                _("服务器未安装 FFmpeg，请联系管理员。"), detail=str(error)
            ) from error
        watch = _Watch(
            process,
            log_fd=stderr_file.fileno(),
            deadline=deadline,
            timeout=timeout,
            on_progress=on_progress,
            decode_limit=decode_limit,
        )
        try:
            watch.until_exit()
        except BaseException:
            _stop(process)
            raise
        finally:
            if process.stdout is not None:
                process.stdout.close()
        stdout_file.seek(0)
        return Finished(
            returncode=process.returncode,
            stdout=stdout_file.read().decode("utf-8", "replace"),
            log=watch.log_tail(),
            seconds_done=watch.seconds_done,
        )


def _address_space_limiter(limit: int) -> Callable[[], None]:
    """What the child runs between fork and exec: cap its address space, so
    a file that makes a decoder allocate without end fails in ffmpeg (which
    reports the allocation error) instead of taking the machine's memory.

    The limit is read here, in the parent; the child only makes the one
    system call (nothing that could wait on a lock another thread of this
    process, such as the job's heartbeat, held at the fork).
    """

    def limit_address_space() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return limit_address_space


# How often a running process is looked at when it prints nothing.
POLL_SECONDS = 0.5
LOG_TAIL_BYTES = 64 * 1024
# Read at most this much new log per look; the rest is read on the next.
LOG_READ_BYTES = 1024 * 1024
# Written by FFmpeg's image checks (libavutil/imgutils.c) when a decoder
# meets a picture over -max_pixels. The decoder then drops the picture and
# carries on, so the message is the only sign.
PICTURE_OVER_LIMIT = re.compile(
    rb"Picture size (\d+)x(\d+) exceeds specified max pixel count"
)
# What FFmpeg and its libraries print when an allocation fails, as they do
# when the address-space limit is reached. A decoder that cannot get a
# picture buffer drops the picture and carries on, so, again, the log is the
# only sign.
OUT_OF_MEMORY = re.compile(
    rb"Cannot allocate memory|Could not allocate|Out of memory"
    rb"|malloc of size \d+ failed|get_buffer\(\) failed"
)


class _Watch:
    """Watches one running process for the reasons to stop it early."""

    def __init__(
        self,
        process: subprocess.Popen,
        *,
        log_fd: int,
        deadline: float,
        timeout: float,
        on_progress: ProgressCallback | None,
        decode_limit: float | None,
    ):
        self.process = process
        self.log_fd = log_fd
        self.log_read = 0
        self.log_overlap = b""
        self.deadline = deadline
        self.timeout = timeout
        self.on_progress = on_progress
        self.decode_limit = decode_limit
        self.seconds_done = 0.0
        self.pending = b""

    def until_exit(self) -> None:
        progress = self.process.stdout
        with selectors.DefaultSelector() as selector:
            if progress is not None:
                selector.register(progress, selectors.EVENT_READ)
            while True:
                if selector.get_map():
                    if selector.select(POLL_SECONDS):
                        chunk = os.read(progress.fileno(), 65536)
                        if chunk:
                            self._read_progress(chunk)
                        else:
                            selector.unregister(progress)
                elif self._exited_within(POLL_SECONDS):
                    break
                self._check(final=False)
        self._check(final=True)

    def _exited_within(self, seconds: float) -> bool:
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def _read_progress(self, chunk: bytes) -> None:
        *lines, self.pending = (self.pending + chunk).split(b"\n")
        for line in lines:
            key, _sep, value = line.strip().partition(b"=")
            if key == b"out_time_us" and value.isdigit():
                self.seconds_done = max(self.seconds_done, int(value) / 1_000_000)

    def _check(self, *, final: bool) -> None:
        self._scan_log()
        if self.decode_limit is not None and self.seconds_done > self.decode_limit:
            raise PermanentMediaError(
                _(
                    "文件的实际时长超过了文件头声明的时长（已解码超过 %(limit)s 秒），"
                    "文件信息不可信，已拒绝。"
                )
                % {"limit": round(self.decode_limit, 1)},
                detail=f"decoded past {self.decode_limit}s",
            )
        if final:
            return
        if time.monotonic() > self.deadline:
            raise TransientMediaError(
                _("处理超时，稍后将重试。"),
                detail=f"timed out after {self.timeout}s",
            )
        wants_stop = (
            self.on_progress is not None
            and self.on_progress(self.seconds_done) is False
        )
        if wants_stop:
            raise JobStopped()

    def _scan_log(self) -> None:
        size = os.fstat(self.log_fd).st_size
        if size <= self.log_read:
            return
        new = os.pread(
            self.log_fd, min(size - self.log_read, LOG_READ_BYTES), self.log_read
        )
        self.log_read += len(new)
        text, self.log_overlap = self.log_overlap + new, new[-200:]
        match = PICTURE_OVER_LIMIT.search(text)
        if match:
            width, height = (int(value) for value in match.groups())
            raise PermanentMediaError(
                _(
                    "文件中途出现了 %(w)s×%(h)s 的画面，超过每帧 %(limit)s 像素的上限"
                    "（与文件开头的画面尺寸不符），文件信息不可信，已拒绝。"
                )
                % {"w": width, "h": height, "limit": media_settings.MEDIA_MAX_PIXELS},
                detail=match.group(0).decode("latin-1"),
            )
        match = OUT_OF_MEMORY.search(text)
        if match:
            raise _out_of_memory(match.group(0).decode("latin-1"))

    def log_tail(self) -> str:
        size = os.fstat(self.log_fd).st_size
        start = max(size - LOG_TAIL_BYTES, 0)
        return os.pread(self.log_fd, size - start, start).decode("utf-8", "replace")


def _environment() -> dict:
    # No proxies or other network hints reach FFmpeg.
    keep = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR")
    return {key: os.environ[key] for key in keep if key in os.environ}


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _out_of_memory(detail: str) -> PermanentMediaError:
    # Permanent: the address-space limit is the same on every retry.
    return PermanentMediaError(
        _("处理这个文件需要的内存超过了上限，文件可能已损坏或被恶意构造。"),
        detail=detail,
    )


def _error_from_exit(returncode: int, stderr: str):
    if OUT_OF_MEMORY.search(stderr.encode()):
        return _out_of_memory(stderr[-2000:])
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


@functools.cache
def ffmpeg_build() -> str:
    """The ffmpeg build that encodes here: its version line and a hash of
    its whole ``-version`` report (configuration and library versions).
    Chunks encoded by different builds are not joined (see chunking)."""
    try:
        report = subprocess.run(
            [FFMPEG, "-version"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as error:
        raise TransientMediaError(
            _("服务器未安装 FFmpeg，请联系管理员。"), detail=str(error)
        ) from error
    first_line = report.splitlines()[0] if report else FFMPEG
    return f"{first_line} ({hashlib.sha256(report.encode()).hexdigest()[:12]})"
