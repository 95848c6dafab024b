"""The default transcode profiles and the editorial roles' media permissions."""

from django.db import migrations

PROFILES = [
    {
        "slug": "standard",
        "name": "标准（GY/T 282-2014，−24 LKFS）",
        "description": "默认方案：1080p/720p/480p/360p H.264 High，电视响度标准。",
        "is_default": True,
        "loudness_standard": "gy_t_282",
        "loudness_target": -24.0,
        "true_peak_limit": -2.0,
    },
    {
        "slug": "mobile",
        "name": "网络移动端（GY/T 377-2023，−15 LKFS）",
        "description": "面向手机与嘈杂环境的网络播放。真峰值上限为待核实数据。",
        "is_default": False,
        "loudness_standard": "gy_t_377_mobile",
        "loudness_target": -15.0,
        "true_peak_limit": -1.0,
    },
]

# Which roles may do what with media, on the root collection.
MEDIA_GRANTS = {
    "制片": ["add", "change", "choose"],
    "编辑": ["add", "change", "delete", "choose"],
    "审核专家": ["choose"],
    "分发管理": ["choose"],
}


def seed(apps, schema_editor):
    TranscodeProfile = apps.get_model("media_pipeline", "TranscodeProfile")
    for profile in PROFILES:
        TranscodeProfile.objects.get_or_create(slug=profile["slug"], defaults=profile)

    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model(
        "wagtailcore", "GroupCollectionPermission"
    )
    content_type, _ = ContentType.objects.get_or_create(
        app_label="media_pipeline", model="mediaasset"
    )
    root = Collection.objects.get(depth=1)
    for group_name, actions in MEDIA_GRANTS.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue
        for action in actions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_mediaasset",
                defaults={"name": f"Can {action} media asset"},
            )
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root, permission=permission
            )


class Migration(migrations.Migration):
    dependencies = [
        ("media_pipeline", "0001_initial"),
        ("core", "0001_roles"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
