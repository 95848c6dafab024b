"""The editorial roles' schedule permissions.

- 编辑 (editors) plan the schedule: airings, slot rules and the channels'
  schedule slugs, and import as-run logs (changing airings' status);
- 制片 (producers) and 分发管理 (syndication managers) see the schedule,
  export the 节目单 and read the broadcast report.
"""

from django.db import migrations

EDIT = ["add", "change", "delete", "view"]
MODEL_GRANTS = {
    "编辑": [
        *(("airing", a) for a in EDIT),
        *(("slotrule", a) for a in EDIT),
        *(("schedulechannel", a) for a in EDIT),
        ("asrunimport", "add"),
        ("asrunimport", "view"),
    ],
    "制片": [("airing", "view"), ("slotrule", "view")],
    "分发管理": [("airing", "view"), ("slotrule", "view")],
}


def get_permission(apps, model, action):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    # Permissions are normally created after migrations run; on a fresh
    # database they do not exist yet, so we create them the same way.
    content_type, _ = ContentType.objects.get_or_create(
        app_label="schedules", model=model
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=f"{action}_{model}",
        defaults={"name": f"Can {action} {model}"},
    )
    return permission


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group_name, grants in MODEL_GRANTS.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue
        for model, action in grants:
            group.permissions.add(get_permission(apps, model, action))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=MODEL_GRANTS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="schedules")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("schedules", "0001_schedules_and_asrun"),
        ("core", "0001_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
