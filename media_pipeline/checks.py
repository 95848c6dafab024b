"""System checks for the media pipeline."""

import os

from django.core.checks import Error, Warning, register

from . import ffmpeg
from .conf import media_settings

S3_REQUIRED = ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")


@register()
def check_ffmpeg(app_configs, **kwargs):
    problems = []
    for binary, code in ((ffmpeg.FFMPEG, "E001"), (ffmpeg.FFPROBE, "E002")):
        version = ffmpeg.ffmpeg_version(binary)
        if version is None:
            problems.append(
                Error(
                    f"{binary} was not found on PATH.",
                    hint="Install it: apt-get install ffmpeg (or set FFMPEG_BINARY"
                    " / FFPROBE_BINARY).",
                    id=f"media_pipeline.{code}",
                )
            )
        elif version < ffmpeg.MIN_VERSION:
            wanted = ".".join(map(str, ffmpeg.MIN_VERSION))
            problems.append(
                Error(
                    f"{binary} {version[0]}.{version[1]} is too old; "
                    f"{wanted} or newer is needed (fMP4 HLS, var_stream_map).",
                    hint="Upgrade FFmpeg.",
                    id=f"media_pipeline.{code}",
                )
            )
    return problems


@register(deploy=False)
def check_s3_settings(app_configs, **kwargs):
    """S3 switches on with S3_BUCKET; half a configuration is a mistake."""
    if not media_settings.S3_BUCKET:
        return []
    missing = [name for name in S3_REQUIRED if not os.environ.get(name)]
    if not missing:
        return []
    return [
        Warning(
            "S3_BUCKET is set but " + ", ".join(missing) + " is not.",
            hint="Set the keys, or rely deliberately on an instance role / "
            "AWS_* credentials and silence media_pipeline.W003.",
            id="media_pipeline.W003",
        )
    ]
