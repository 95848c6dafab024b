"""The WeChat sticker album specification as editable data.

Values from ../shared/specs/PLATFORM_SPECS.md; sources disagree on the byte
limits (older guides say 100 KB for main images, some 50 KB for thumbnails),
so every line is marked unverified and managers can change it.
"""

from django.db import migrations

KB = 1024

SPEC = [
    {
        "role": "sticker",
        "width": 240,
        "height": 240,
        "formats": ["gif", "png"],
        "max_bytes": 500 * KB,
        "counts": [8, 16, 24],
        "max_fps": 12,
        "transparent": False,
        "notes": "表情主图：8、16 或 24 张；GIF（也见静态 PNG）；旧规定为 100 KB。",
    },
    {
        "role": "sticker_thumbnail",
        "width": 120,
        "height": 120,
        "formats": ["png"],
        "max_bytes": 200 * KB,
        "counts": [],
        "transparent": True,
        "notes": "缩略图：张数与主图相同；透明 PNG；也有说法为 50 KB。",
    },
    {
        "role": "cover",
        "width": 240,
        "height": 240,
        "formats": ["png"],
        "max_bytes": 500 * KB,
        "counts": [1],
        "transparent": True,
        "notes": "封面图：1 张，PNG。",
    },
    {
        "role": "icon",
        "width": 50,
        "height": 50,
        "formats": ["png"],
        "max_bytes": 100 * KB,
        "counts": [1],
        "transparent": True,
        "notes": "聊天页图标：1 张，PNG。",
    },
    {
        "role": "banner",
        "width": 750,
        "height": 400,
        "formats": ["png", "jpeg"],
        "max_bytes": 500 * KB,
        "counts": [1],
        "transparent": False,
        "notes": "详情页横幅：1 张，PNG 或 JPEG。",
    },
]


def seed(apps, schema_editor):
    StickerSpecItem = apps.get_model("brand_assets", "StickerSpecItem")
    for line in SPEC:
        StickerSpecItem.objects.update_or_create(
            role=line["role"], defaults={**line, "verified": False}
        )


def unseed(apps, schema_editor):
    StickerSpecItem = apps.get_model("brand_assets", "StickerSpecItem")
    StickerSpecItem.objects.filter(role__in=[line["role"] for line in SPEC]).delete()


class Migration(migrations.Migration):
    dependencies = [("brand_assets", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
