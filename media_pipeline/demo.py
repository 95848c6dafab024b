"""Sample media for the demo site, generated with ffmpeg and run through the
real pipeline, so the demo plays real HLS. Loading twice changes nothing."""

import subprocess
import tempfile
from pathlib import Path

from .models import AssetStatus, MediaAsset
from .pipeline import job_run
from .services.assets import asset_create_from_upload
from .services.jobs import job_request

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


def _generate(path: Path, video_input: list[str], seconds: int) -> None:
    audio_input = ["-f", "lavfi", "-i", MELODY, "-f", "lavfi", "-i", NOISE]
    if video_input:
        command = [
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
    else:
        command = [
            *audio_input,
            "-filter_complex",
            "[0:a][1:a]amix=inputs=2:normalize=0[a]",
            "-map",
            "[a]",
            "-c:a",
            "pcm_s16le",
        ]
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *command]
        + ["-t", str(seconds), str(path)],
        check=True,
        timeout=600,
    )


def demo_media_assets() -> dict[str, MediaAsset]:
    """The demo's media by title, generated and processed if missing."""
    assets = {}
    with tempfile.TemporaryDirectory(prefix="baigali-demo-") as work:
        for title, (filename, video_input, seconds) in DEMO_MEDIA.items():
            asset = MediaAsset.objects.filter(title=title).first()
            if asset is None:
                path = Path(work) / filename
                _generate(path, video_input, seconds)
                asset = asset_create_from_upload(
                    staged_path=path,
                    filename=filename,
                    title=title,
                    start_processing=False,
                )
            if asset.status != AssetStatus.READY:
                job = job_request(asset=asset, dispatch=False)
                job_run(job_id=job.pk, worker="load_demo")
                asset.refresh_from_db()
            assets[title] = asset
    return assets
