"""Media for the benchmarks, generated on the spot."""

import hashlib
import os
import subprocess
from pathlib import Path

MiB = 1024 * 1024


def make_clip(
    path: Path,
    *,
    seconds: float = 30,
    width: int = 1920,
    height: int = 1080,
    fps: int = 30,
    ffmpeg: str = "ffmpeg",
) -> Path:
    """A programme-like 1080p original: moving test pattern with film grain,
    pink-noise stereo sound.

    The temporal grain (``noise=alls=4``) makes the picture cost what a camera
    original costs to decode and encode (about 55 Mbit/s at CRF 18), where the
    bare test pattern compresses to almost nothing. Encoded once with x264
    ``ultrafast`` at CRF 18, as an editor's export might be.
    """
    subprocess.run(
        [
            ffmpeg,
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={width}x{height}:rate={fps},noise=alls=4:allf=t",
            "-f",
            "lavfi",
            "-i",
            "anoisesrc=color=pink:amplitude=0.5:sample_rate=48000,volume=-18dB",
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-t",
            str(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "18",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "192k",
            "-ac",
            "2",
            "-movflags",
            "+faststart",
            str(path),
        ],
        check=True,
        timeout=max(600, seconds * 20),
    )
    return path


def make_random_file(path: Path, size: int, *, block: int = 64 * MiB) -> str:
    """Write ``size`` random bytes (incompressible, unlike a sparse file) in
    blocks; returns their SHA-256 so the stored copy can be checked."""
    digest = hashlib.sha256()
    with open(path, "wb") as stream:
        remaining = size
        while remaining:
            data = os.urandom(min(block, remaining))
            stream.write(data)
            digest.update(data)
            remaining -= len(data)
    return digest.hexdigest()
