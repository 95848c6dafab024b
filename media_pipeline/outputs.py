"""What a finished transcode produced, described for the Rendition table."""

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .hls import MASTER_NAME, playlist_stats
from .ladder import MP3_KBPS, TranscodePlan
from .models import MediaKind, RenditionKind

MIME_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".vtt": "text/vtt",
}


@dataclass(frozen=True)
class OutputFile:
    """One file that becomes a Rendition row. Segments are stored, not listed."""

    path: str  # relative to the job's output folder
    kind: str
    size: int
    width: int | None = None
    height: int | None = None
    bitrate: int | None = None
    duration: float | None = None

    @property
    def mime_type(self) -> str:
        return MIME_TYPES.get(Path(self.path).suffix, "application/octet-stream")


def _image(root: Path, relative: str, kind: str) -> OutputFile:
    with Image.open(root / relative) as image:
        width, height = image.size
    return OutputFile(
        relative, kind, (root / relative).stat().st_size, width=width, height=height
    )


def describe_outputs(root: Path, plan: TranscodePlan) -> list[OutputFile]:
    files = [
        OutputFile(
            f"hls/{MASTER_NAME}",
            RenditionKind.HLS_MASTER,
            (root / "hls" / MASTER_NAME).stat().st_size,
            duration=plan.duration,
        )
    ]
    audio = playlist_stats(root / "hls/audio/index.m3u8")
    files.append(
        OutputFile(
            "hls/audio/index.m3u8",
            RenditionKind.HLS_VARIANT,
            (root / "hls/audio/index.m3u8").stat().st_size,
            bitrate=audio.average_bps,
            duration=audio.duration,
        )
    )
    if plan.kind == MediaKind.AUDIO:
        for name, kind, kbps in (
            ("audio.m4a", RenditionKind.M4A, plan.profile.audio_kbps),
            ("audio.mp3", RenditionKind.MP3, MP3_KBPS),
        ):
            files.append(
                OutputFile(
                    name,
                    kind,
                    (root / name).stat().st_size,
                    bitrate=kbps * 1000,
                    duration=plan.duration,
                )
            )
        files.append(_image(root, "waveform.png", RenditionKind.WAVEFORM))
        return files

    for rung in plan.rungs:
        relative = f"hls/{rung.name}/index.m3u8"
        stats = playlist_stats(root / relative)
        files.append(
            OutputFile(
                relative,
                RenditionKind.HLS_VARIANT,
                (root / relative).stat().st_size,
                width=rung.width,
                height=rung.height,
                bitrate=stats.average_bps,
                duration=stats.duration,
            )
        )
    download = plan.download
    size = (root / "download.mp4").stat().st_size
    files.append(
        OutputFile(
            "download.mp4",
            RenditionKind.MP4,
            size,
            width=download.width,
            height=download.height,
            bitrate=round(size * 8 / max(plan.duration, 0.001)),
            duration=plan.duration,
        )
    )
    files.append(_image(root, "poster.jpg", RenditionKind.POSTER))
    for path in sorted((root / "thumbs").glob("*.jpg")):
        files.append(_image(root, f"thumbs/{path.name}", RenditionKind.THUMBNAIL))
    for path in sorted((root / "sprite").glob("*.jpg")):
        files.append(_image(root, f"sprite/{path.name}", RenditionKind.SPRITE))
    files.append(
        OutputFile(
            "sprite/sprite.vtt",
            RenditionKind.SPRITE_VTT,
            (root / "sprite/sprite.vtt").stat().st_size,
        )
    )
    return files


def all_files(root: Path) -> list[str]:
    """Every file under ``root``, relative, segments included."""
    return sorted(
        str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()
    )
