"""Media for the tests, generated with ffmpeg, and independent checks of it.

The checks here use ffprobe and ffmpeg's own ebur128 filter directly, not the
project's wrapper, so the pipeline is judged by a second opinion.
"""

import json
import re
import struct
import subprocess
from pathlib import Path


def ffmpeg(*args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args],
        check=True,
        timeout=300,
    )


def make_video(
    path: Path,
    *,
    width: int,
    height: int,
    seconds: float = 13,
    fps: int = 30,
    audio: bool = True,
    loudness_gain_db: float = -18,
) -> Path:
    """A test pattern with pink noise and a tone: plausible programme audio."""
    inputs = ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}"]
    maps = ["-map", "0:v"]
    if audio:
        inputs += [
            "-f",
            "lavfi",
            "-i",
            "anoisesrc=color=pink:amplitude=0.5:sample_rate=48000,"
            f"volume={loudness_gain_db}dB",
        ]
        maps += ["-map", "1:a", "-c:a", "aac", "-b:a", "128k", "-ac", "2"]
    ffmpeg(
        *inputs,
        *maps,
        "-t",
        str(seconds),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        str(path),
    )
    return path


def make_audio(path: Path, *, seconds: float = 10, gain_db: float = -20) -> Path:
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"anoisesrc=color=pink:amplitude=0.5:sample_rate=44100,volume={gain_db}dB",
        "-t",
        str(seconds),
        "-ac",
        "2",
        "-c:a",
        "pcm_s16le",
        str(path),
    )
    return path


def probe_streams(path: Path, *extra: str) -> dict:
    output = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_streams",
            "-show_format",
            *extra,
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return json.loads(output)


def keyframe_times(path: Path) -> list[float]:
    output = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-skip_frame",
            "nokey",
            "-show_entries",
            "frame=pts_time",
            "-of",
            "csv=p=0",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return [float(line.strip(",")) for line in output.split() if line.strip(",")]


def integrated_loudness(path: Path) -> float:
    """Integrated loudness in LUFS by ffmpeg's ebur128 filter."""
    log = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-af",
            "ebur128",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    ).stderr
    summary = log[log.rindex("Summary:") :]
    return float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))


def top_level_boxes(path: Path) -> list[str]:
    """The order of the top-level MP4 boxes: moov before mdat is "fast start"."""
    boxes = []
    with open(path, "rb") as stream:
        while header := stream.read(8):
            if len(header) < 8:
                break
            size, kind = struct.unpack(">I4s", header)
            boxes.append(kind.decode("latin-1"))
            if size == 1:
                size = struct.unpack(">Q", stream.read(8))[0]
                stream.seek(size - 16, 1)
            elif size == 0:
                break
            else:
                stream.seek(size - 8, 1)
    return boxes


def make_lying_duration_mkv(
    path: Path,
    *,
    real_seconds: float,
    claimed_seconds: float,
    audio: bool = True,
) -> Path:
    """A small Matroska clip whose header claims ``claimed_seconds`` while
    its frames run for ``real_seconds``.

    Matroska keeps the duration as an 8-byte float of milliseconds in the
    Segment Info (element 0x4489) and, as ffmpeg writes it, once more per
    track as a ``DURATION`` tag; both are rewritten, so nothing in the
    headers tells the truth and only decoding finds it.
    """
    inputs = ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=5"]
    codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        inputs += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000"]
        codecs += ["-c:a", "aac", "-b:a", "16k", "-ac", "1"]
    whole = path.with_suffix(".whole.mkv")
    ffmpeg(*inputs, "-t", str(real_seconds), *codecs, str(whole))
    data = bytearray(whole.read_bytes())
    whole.unlink()
    duration_element = data.index(b"\x44\x89\x88") + 3
    data[duration_element : duration_element + 8] = struct.pack(
        ">d", claimed_seconds * 1000
    )
    minutes, seconds = divmod(claimed_seconds, 60)
    claimed_tag = f"{int(minutes // 60):02d}:{int(minutes % 60):02d}:{seconds:012.9f}"
    data = re.sub(rb"\d\d:\d\d:\d\d\.\d{9}", claimed_tag.encode(), bytes(data))
    path.write_bytes(data)
    return path


def make_growing_resolution_ts(
    path: Path,
    *,
    first: tuple[int, int],
    then: tuple[int, int],
    seconds: float = 2,
) -> Path:
    """An MPEG-TS stream whose first pictures are ``first`` in size and whose
    later pictures are ``then``: two H.264 segments, the second's timestamps
    following on from the first, joined byte for byte (TS is made to be cut
    and joined like this). Probing sees only the first size."""
    parts = []
    for index, (width, height) in enumerate((first, then)):
        part = path.with_suffix(f".part{index}.ts")
        ffmpeg(
            "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=10",
            "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-output_ts_offset", str(index * seconds),
            str(part),
        )  # fmt: skip
        parts.append(part)
    path.write_bytes(b"".join(part.read_bytes() for part in parts))
    for part in parts:
        part.unlink()
    return path


def make_silent_audio(path: Path, *, seconds: float) -> Path:
    """Long but tiny: silence compresses to almost nothing in FLAC, and still
    takes a loudness pass its full length to measure."""
    ffmpeg(
        "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", str(seconds),
        "-c:a", "flac", str(path),
    )  # fmt: skip
    return path
