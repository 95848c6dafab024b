"""The transcode profile that makes files for national platforms.

The seeded delivery profiles (央视频, 科普中国, 云上科普) ask for at least
1080p; the standard profile's MP4 download is 720p for the web. This profile
makes one 1080p rung and a 1080p MP4 mezzanine with its index first, from
the same single ffmpeg pass as every other profile. The pipeline never
upscales: a smaller original gives a smaller file, and QC says so.

7.8 Mbit/s is the top rung of Apple's reference ladder; with 192 kbit/s audio
a 2–5 minute science video comes to about 120–300 MB, inside the 100–300 MB
the national science micro-video norms ask for (unverified, see
PLATFORM_SPECS.md). AAC at 48 kHz as PBS and YouTube mezzanines have it;
loudness per GY/T 282-2014 as the standard profile.
"""

from django.db import migrations

DELIVERY_PROFILE = {
    "slug": "delivery-1080p",
    "name": "平台交付 1080p（GY/T 282-2014，−24 LKFS）",
    "description": (
        "交付国家级平台的母版：单档 1080p H.264 High、AAC 48 kHz 192 kbit/s "
        "的 MP4（索引前置），码率 7.8 Mbit/s；不放大低于 1080p 的原片。"
    ),
    "is_default": False,
    "ladder": [{"height": 1080, "video_kbps": 7800, "max_fps": 60}],
    "h264_profile": "high",
    "h264_level": "4.2",
    # A mezzanine is encoded once and kept: spend the time on quality.
    "x264_preset": "medium",
    "segment_seconds": 6,
    "keyframe_seconds": 2,
    "audio_kbps": 192,
    "audio_sample_rate": 48000,
    "download_height": 1080,
    "loudness_standard": "gy_t_282",
    "loudness_target": -24.0,
    "true_peak_limit": -2.0,
    "loudness_range_target": 11.0,
}


def seed(apps, schema_editor):
    TranscodeProfile = apps.get_model("media_pipeline", "TranscodeProfile")
    TranscodeProfile.objects.get_or_create(
        slug=DELIVERY_PROFILE["slug"], defaults=DELIVERY_PROFILE
    )


class Migration(migrations.Migration):
    dependencies = [
        ("media_pipeline", "0003_subtitle_track"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
