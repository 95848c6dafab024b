"""The roles' outdoor-screen permissions.

- 分发管理 (syndication managers) run the networks: networks, screen sizes,
  screens and playlists, making files and zips, and resolve play records
  that matched no playlist item;
- 编辑 (editors) put the playlists together and see the networks;
- 制片 (producers) see the playlists and what played.
"""

from django.db import migrations

EDIT = ["add", "change", "delete", "view"]
MODEL_GRANTS = {
    "分发管理": [
        *(("screennetwork", a) for a in EDIT),
        *(("screensize", a) for a in EDIT),
        *(("screen", a) for a in EDIT),
        *(("playlist", a) for a in EDIT),
        ("playrecord", "change"),
        ("playrecord", "view"),
    ],
    "编辑": [
        ("screennetwork", "view"),
        ("screensize", "view"),
        ("screen", "view"),
        *(("playlist", a) for a in ("add", "change", "view")),
        ("playrecord", "view"),
    ],
    "制片": [("playlist", "view"), ("playrecord", "view")],
}


def get_permission(apps, model, action):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    # Permissions are normally created after migrations run; on a fresh
    # database they do not exist yet, so we create them the same way.
    content_type, _ = ContentType.objects.get_or_create(
        app_label="screens", model=model
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
            *Permission.objects.filter(content_type__app_label="screens")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("screens", "0001_screens_networks_playlists"),
        ("core", "0001_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
