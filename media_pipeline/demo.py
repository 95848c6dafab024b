"""Sample media for the demo site, generated with ffmpeg and run through the
real pipeline, so the demo plays real HLS. Loading twice changes nothing."""

import subprocess
import tempfile
from pathlib import Path

from .models import AssetStatus, MediaAsset
from .services.ingest import asset_ingest, asset_process_now

# title: (file name, ffmpeg input arguments, seconds)
DEMO_MEDIA = {
    "演示视频：库布其的星空（16:9）": (
        "kubuqi-16x9.mp4",
        ["-f", "lavfi", "-i", "mandelbrot=size=1280x720:rate=25"],
        12,
    ),
    "演示视频：刺绣配色（9:16）": (
        "embroidery-9x16.mp4",
        ["-f", "lavfi", "-i", "testsrc2=size=720x1280:rate=25"],
        10,
    ),
    "演示音频：百嘎丽之歌": ("baigali-song.wav", [], 20),
}
# A stepped melody over quiet pink noise: something worth normalising.
MELODY = "aevalsrc=0.25*sin(2*PI*(262+65*floor(mod(t*2\\,4)))*t):s=48000:c=stereo"
NOISE = "anoisesrc=color=pink:amplitude=0.05:seed=42:sample_rate=48000"


def _arguments(video_input: list[str]) -> list[str]:
    """ffmpeg's arguments for a demo file: the melody over noise, with the
    picture of ``video_input`` if any."""
    audio_input = ["-f", "lavfi", "-i", MELODY, "-f", "lavfi", "-i", NOISE]
    if video_input:
        return [
            *video_input,
            *audio_input,
            "-filter_complex",
            "[1:a][2:a]amix=inputs=2:normalize=0[a]",
            "-map",
            "0:v",
            "-map",
            "[a]",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
        ]
    return [
        *audio_input,
        "-filter_complex",
        "[0:a][1:a]amix=inputs=2:normalize=0[a]",
        "-map",
        "[a]",
        "-c:a",
        "pcm_s16le",
    ]


def _generate(path: Path, arguments: list[str], seconds: int) -> None:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *arguments]
        + ["-t", str(seconds), str(path)],
        check=True,
        timeout=600,
    )


def demo_media(
    specs: dict[str, tuple[str, list[str], int]], *, prefix: str
) -> dict[str, MediaAsset]:
    """Demo media by title, generated with ffmpeg and processed in this
    process if missing. ``specs``: title → (file name, ffmpeg's input and
    output arguments, seconds). An asset of that title is kept, and run if
    it is not ready yet."""
    assets = {}
    with tempfile.TemporaryDirectory(prefix=prefix) as work:
        for title, (filename, arguments, seconds) in specs.items():
            asset = MediaAsset.objects.filter(title=title).first()
            if asset is None:
                path = Path(work) / filename
                _generate(path, arguments, seconds)
                asset = asset_ingest(
                    path=path, title=title, wait=True, worker="load_demo"
                )
            elif asset.status != AssetStatus.READY:
                asset_process_now(asset=asset, worker="load_demo")
            assets[title] = asset
    return assets


def demo_media_assets() -> dict[str, MediaAsset]:
    """The demo's media by title, generated and processed if missing."""
    return demo_media(
        {
            title: (filename, _arguments(video_input), seconds)
            for title, (filename, video_input, seconds) in DEMO_MEDIA.items()
        },
        prefix="baigali-demo-",
    )
