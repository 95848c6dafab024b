"""The national platforms the brand delivers to, with delivery profiles
seeded from the national science micro-video norms. None of these platforms
publishes an ingest specification: the profiles say so and stay editable."""

from django.db import migrations

UNVERIFIED = (
    "未找到该平台公开的接收规格。本规格依据科技部、中科院科普微视频征集要求"
    "（MP4、16:9、不低于 1080p、2–5 分钟、署名创作者/出品单位/版权方、中文字幕）"
    "整理，待与平台核实。"
)

PLATFORMS = [
    ("央视频", "yangshipin", "https://www.yangshipin.cn/", "package"),
    ("科普中国", "kepu-china", "https://www.kepuchina.cn/", "pull"),
    ("云上科普", "yunshang-kepu", "", "pull"),
]

SYNDICATION_PERMISSIONS = [
    ("syndication", "delivery", ("add", "change", "view")),
    ("syndication", "deliveryprofile", ("add", "change", "view")),
    ("syndication", "platform", ("add", "change", "view")),
    ("syndication", "partneraccount", ("add", "change", "view")),
    ("syndication", "fetchrecord", ("view",)),
]


def seed(apps, schema_editor):
    Platform = apps.get_model("syndication", "Platform")
    DeliveryProfile = apps.get_model("syndication", "DeliveryProfile")
    TranscodeProfile = apps.get_model("media_pipeline", "TranscodeProfile")
    standard = TranscodeProfile.objects.get(slug="standard")
    for name, slug, website, method in PLATFORMS:
        platform, _ = Platform.objects.get_or_create(
            slug=slug, defaults={"name": name, "website": website}
        )
        DeliveryProfile.objects.get_or_create(
            platform=platform,
            name="科普微视频（待核实）",
            defaults={
                "transcode_profile": standard,
                "method": method,
                "container": "mp4",
                "video_codec": "h264",
                "audio_codec": "aac",
                "min_height": 1080,
                "accepted_aspects": ["16:9"],
                "min_duration": 120,
                "max_duration": 300,
                "loudness_tolerance": 2.0,
                "required_metadata": [
                    "credits",
                    "producing_unit",
                    "rights_holder",
                    "subtitles",
                    "cover",
                ],
                "cover_sizes": ["1920x1080"],
                "spec_verified": False,
                "notes": UNVERIFIED,
            },
        )

    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    managers = Group.objects.filter(name="分发管理").first()
    if managers is None:
        return
    for app_label, model, actions in SYNDICATION_PERMISSIONS:
        content_type, _ = ContentType.objects.get_or_create(
            app_label=app_label, model=model
        )
        for action in actions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {model}"},
            )
            managers.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("syndication", "0001_initial"),
        ("media_pipeline", "0002_seed_profiles_and_permissions"),
        ("core", "0001_roles"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
