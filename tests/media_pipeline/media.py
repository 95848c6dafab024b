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
