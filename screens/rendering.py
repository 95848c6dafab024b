"""Making a playlist item's file for one screen size.

Films: one ffmpeg pass through the media pipeline's hardened runner
(``media_pipeline.ffmpeg``), its arguments written by ffmpeg-python's graph
API: constant frame rate, scaled and padded (or cropped) to the screen's
exact pixel size, subtitles burned in when the screen plays no sound, no
audio track on a silent screen, H.264 in MP4 with its index first.

Slides ship as pictures at the screen's exact size (JPEG), not as still
video clips: screen players (Novastar, Colorlight, BrightSign and the like)
show a picture for the playlist's duration natively, a picture is a
fraction of a clip's bytes, and decoding images with ffmpeg would mean
adding image demuxers (which read numbered file sequences) to the runner's
allow-list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ffmpeg as ffmpeg_python
from django.utils.translation import gettext as _
from ffmpeg.nodes import FilterableStream, OutputStream
from PIL import Image, ImageOps

from media_pipeline import ffmpeg
from media_pipeline.errors import PermanentMediaError
from media_pipeline.pipeline import transcode_timeout
from media_pipeline.validation import (
    max_decoded_seconds,
    refuse_empty,
    refuse_playlists,
)

from .models import MAX_PIXELS, Fit

VIDEO_KBPS_PER_MEGAPIXEL = 4000
AUDIO_KBPS = 128
AUDIO_SAMPLE_RATE = 48000
JPEG_QUALITY = 90
#: Seconds between keyframes: players loop and seek to the start often.
KEYFRAME_SECONDS = 2


@dataclass(frozen=True)
class Frame:
    """What a screen size asks of a file."""

    width: int
    height: int
    fit: str
    frame_rate: int
    has_sound: bool


@dataclass(frozen=True)
class MadeFile:
    path: Path
    width: int
    height: int
    duration: float | None
    has_audio: bool
    burned_subtitles: bool


def fitted(stream: FilterableStream, frame: Frame) -> FilterableStream:
    """``stream`` at exactly the frame's size: the whole picture with black
    bars (pad), or the picture filling the screen with its edges cut (crop)."""
    if frame.fit == Fit.CROP:
        scaled = stream.filter(
            "scale",
            frame.width,
            frame.height,
            force_original_aspect_ratio="increase",
            flags="bicubic",
        ).filter("crop", frame.width, frame.height)
    else:
        scaled = stream.filter(
            "scale",
            frame.width,
            frame.height,
            force_original_aspect_ratio="decrease",
            force_divisible_by=2,
            flags="bicubic",
        ).filter("pad", frame.width, frame.height, "(ow-iw)/2", "(oh-ih)/2", "black")
    return scaled.filter("setsar", 1)


def _video_kbps(frame: Frame) -> int:
    megapixels = frame.width * frame.height / 1_000_000
    return max(500, round(VIDEO_KBPS_PER_MEGAPIXEL * megapixels))


def film_outputs(
    *,
    source: FilterableStream,
    probe: ffmpeg.ProbeResult,
    frame: Frame,
    subtitles: Path | None,
    output: str,
) -> OutputStream:
    """The graph of one screen rendition of a film read from ``source``."""
    video = fitted(
        source[str(probe.video.index)].filter("fps", frame.frame_rate), frame
    )
    if subtitles is not None:
        # After scaling, so the letters are sized for this screen.
        video = video.filter("subtitles", filename=str(subtitles), charenc="UTF-8")
    kbps = _video_kbps(frame)
    options = {
        "c:v": "libx264",
        "preset": "medium",
        "profile:v": "high",
        "pix_fmt": "yuv420p",
        "r": str(frame.frame_rate),
        "b:v": f"{kbps}k",
        "maxrate": f"{round(kbps * 1.2)}k",
        "bufsize": f"{kbps * 2}k",
        "g": str(frame.frame_rate * KEYFRAME_SECONDS),
        "movflags": "+faststart",
    }
    streams = [video]
    if frame.has_sound and probe.audio is not None:
        streams.append(source[str(probe.audio.index)])
        options |= {
            "c:a": "aac",
            "b:a": f"{AUDIO_KBPS}k",
            "ac": "2",
            "ar": str(AUDIO_SAMPLE_RATE),
        }
    else:
        # A silent screen's player gets no audio track at all.
        options["an"] = None
    return ffmpeg_python.output(*streams, output, format="mp4", **options)


def film_render(
    *,
    source: Path,
    frame: Frame,
    subtitles: Path | None,
    work: Path,
    on_progress: ffmpeg.ProgressCallback | None = None,
) -> MadeFile:
    """Render the film at ``source`` (a local copy of the original) for
    ``frame``; ``subtitles`` (a WebVTT file) is burned in only on a silent
    screen. Raises the pipeline's MediaError with a reason in Chinese."""
    refuse_empty(source)
    refuse_playlists(source)
    probed = ffmpeg.probe(source)
    if probed.video is None:
        raise PermanentMediaError(_("这个媒体没有画面，不能在屏幕上播放。"))
    burn = subtitles if subtitles is not None and not frame.has_sound else None
    output = work / "screen.mp4"
    decode_limit = max_decoded_seconds(probed.duration or 0)
    ffmpeg.run_ffmpeg(
        outputs=film_outputs(
            source=ffmpeg.pinned_input(source, probed.demuxer),
            probe=probed,
            frame=frame,
            subtitles=burn,
            output=str(output),
        ),
        timeout=transcode_timeout(decode_limit),
        on_progress=on_progress,
        decode_limit=decode_limit,
        cwd=work,
    )
    made = ffmpeg.probe(output)
    return MadeFile(
        path=output,
        width=made.video.width,
        height=made.video.height,
        duration=made.duration,
        has_audio=made.audio is not None,
        burned_subtitles=burn is not None,
    )


def _on_black(picture: Image.Image) -> Image.Image:
    """The picture without transparency: what is see-through stays dark, as
    an LED screen is where it shows nothing (dropping the alpha channel
    would show whatever colour the see-through pixels happen to hold)."""
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        background = Image.new("RGB", rgba.size, "black")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return picture.convert("RGB")


def slide_render(*, source: Path, frame: Frame, work: Path) -> MadeFile:
    """The picture at ``source`` as a JPEG of exactly the frame's size."""
    try:
        with Image.open(source) as picture:
            width, height = picture.size
            if width * height > MAX_PIXELS:
                raise PermanentMediaError(
                    _("图片超过 7680×4320 像素，请换一张较小的图片。")
                )
            picture.seek(0)
            upright = _on_black(ImageOps.exif_transpose(picture))
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise PermanentMediaError(
            _("无法读取这张图片：它不是受支持的图片，或者文件已损坏。"),
            detail=str(error),
        ) from error
    size = (frame.width, frame.height)
    if frame.fit == Fit.CROP:
        shaped = ImageOps.fit(upright, size, Image.Resampling.LANCZOS)
    else:
        shaped = ImageOps.pad(upright, size, Image.Resampling.LANCZOS, color="black")
    output = work / "screen.jpg"
    shaped.save(output, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return MadeFile(
        path=output,
        width=frame.width,
        height=frame.height,
        duration=None,
        has_audio=False,
        burned_subtitles=False,
    )
