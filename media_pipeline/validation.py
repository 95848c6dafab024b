"""Is a probed file usable media? Refusals carry a reason a producer reads."""

from pathlib import Path

from django.utils.translation import gettext as _

from .conf import media_settings
from .errors import PermanentMediaError
from .ffmpeg import ProbeResult
from .models import MediaKind

VIDEO_CODECS = {
    "h264",
    "hevc",
    "mpeg4",
    "mpeg2video",
    "mpeg1video",
    "vp8",
    "vp9",
    "av1",
    "prores",
    "dnxhd",
    "mjpeg",
    "vc1",
    "wmv3",
    "theora",
}
AUDIO_CODECS = {
    "aac",
    "mp3",
    "mp2",
    "ac3",
    "eac3",
    "flac",
    "alac",
    "vorbis",
    "opus",
    "wmav2",
    "pcm_s16le",
    "pcm_s16be",
    "pcm_s24le",
    "pcm_s24be",
    "pcm_s32le",
    "pcm_f32le",
    "pcm_u8",
}
# The first bytes of text playlists and indirection files FFmpeg would follow.
PLAYLIST_SIGNATURES = (b"#EXTM3U", b"#EXT-X-", b"ffconcat", b"file '", b"[playlist]")


def refuse_playlists(path: Path) -> None:
    """Refuse text playlists before FFmpeg sees them, whatever their extension.

    A playlist named .mp4 or .avi is the classic way to make FFmpeg read other
    files on the server.
    """
    with open(path, "rb") as stream:
        head = stream.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(PLAYLIST_SIGNATURES) or b"#EXT-X-" in head:
        raise PermanentMediaError(
            _("这是一个播放列表文件，不是音视频文件。请上传视频或音频原片。"),
            detail="playlist signature found",
        )


def refuse_empty(path: Path) -> None:
    if path.stat().st_size == 0:
        raise PermanentMediaError(_("文件是空的（0 字节），请重新上传。"))


def validate_probe(result: ProbeResult) -> str:
    """The kind of media the probe shows, or a permanent error saying why not."""
    video, audio = result.video, result.audio
    if video is None and audio is None:
        raise PermanentMediaError(
            _("文件中没有视频或音频流，无法使用。"), detail=result.format_name
        )
    if video is not None and video.codec_name not in VIDEO_CODECS:
        raise PermanentMediaError(
            _("不支持的视频编码“%(codec)s”。请导出为 H.264 或 HEVC 后再上传。")
            % {"codec": video.codec_name}
        )
    if audio is not None and audio.codec_name not in AUDIO_CODECS:
        raise PermanentMediaError(
            _("不支持的音频编码“%(codec)s”。请导出为 AAC、MP3 或 PCM 后再上传。")
            % {"codec": audio.codec_name}
        )
    duration = result.duration
    if duration is None or duration <= 0:
        raise PermanentMediaError(
            _("无法读出文件时长，文件可能不完整或已损坏。"), detail="no duration"
        )
    min_duration = media_settings.MEDIA_MIN_DURATION_SECONDS
    max_duration = media_settings.MEDIA_MAX_DURATION_SECONDS
    if duration < min_duration:
        raise PermanentMediaError(
            _("时长只有 %(d).1f 秒，太短了（至少 %(min)s 秒）。")
            % {"d": duration, "min": min_duration}
        )
    if duration > max_duration:
        raise PermanentMediaError(
            _("时长 %(d)s 分钟，超过上限 %(max)s 分钟。")
            % {"d": round(duration / 60), "max": round(max_duration / 60)}
        )
    if video is not None:
        size = result.display_size
        if size is None:
            raise PermanentMediaError(_("无法读出视频画面尺寸，文件可能已损坏。"))
        width, height = size
        max_width = media_settings.MEDIA_MAX_WIDTH
        max_height = media_settings.MEDIA_MAX_HEIGHT
        if max(width, height) > max(max_width, max_height) or (
            min(width, height) > min(max_width, max_height)
        ):
            raise PermanentMediaError(
                _("画面 %(w)s×%(h)s 超过上限 %(mw)s×%(mh)s。")
                % {"w": width, "h": height, "mw": max_width, "mh": max_height}
            )
        max_pixels = media_settings.MEDIA_MAX_PIXELS
        if width * height > max_pixels:
            raise PermanentMediaError(
                _("画面 %(w)s×%(h)s 超过每帧 %(max)s 像素的上限。")
                % {"w": width, "h": height, "max": max_pixels}
            )
        if min(width, height) < 64:
            raise PermanentMediaError(
                _("画面 %(w)s×%(h)s 太小，无法使用。") % {"w": width, "h": height}
            )
        return MediaKind.VIDEO
    return MediaKind.AUDIO


def max_decoded_seconds(declared: float) -> float:
    """How much media a pass may decode from a file that declares
    ``declared`` seconds, before the declaration is taken for a lie.

    Containers and streams disagree by a frame or an audio priming delay, so
    there is a margin; a file that holds more than that is refused, not
    transcoded in full on the strength of its header.
    """
    margin = max(
        float(media_settings.MEDIA_DURATION_MARGIN_SECONDS),
        declared * float(media_settings.MEDIA_DURATION_MARGIN_RATIO),
    )
    return declared + margin
