"""The editorial roles' brand library permissions.

Brand assets are collection members, so as with Wagtail's images their
add, change and choose permissions are granted on the root collection
(``GroupCollectionPermission``); everything else is a model permission.
Wagtail admin access is left as ``core.0001_roles`` set it.

- 编辑 (editors) add and change brand assets; whoever may change an asset
  may add versions and files to it and approve them (``permissions.py``);
- 分发管理 (syndication managers) manage licences and kits and see the
  download records;
- every role may choose brand assets (to pick one on a page or a licence).
"""

from django.db import migrations

COLLECTION_GRANTS = {
    "制片": ["choose"],
    "编辑": ["add", "change", "choose"],
    "审核专家": ["choose"],
    "分发管理": ["choose"],
}

MODEL_GRANTS = {
    "分发管理": [
        ("licence", "add"),
        ("licence", "change"),
        ("licence", "delete"),
        ("licence", "view"),
        ("brandkit", "add"),
        ("brandkit", "change"),
        ("brandkit", "delete"),
        ("brandkit", "view"),
        ("assetdownload", "view"),
    ],
}

VERBOSE = {
    "brandasset": "brand asset",
    "licence": "licence",
    "brandkit": "brand kit",
    "assetdownload": "asset download",
}


def get_permission(apps, model, action):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    # Permissions are normally created after migrations run; on a fresh
    # database they do not exist yet, so we create them the same way.
    content_type, _ = ContentType.objects.get_or_create(
        app_label="brand_assets", model=model
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=f"{action}_{model}",
        defaults={"name": f"Can {action} {VERBOSE[model]}"},
    )
    return permission


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model(
        "wagtailcore", "GroupCollectionPermission"
    )
    root = Collection.objects.get(depth=1)
    for group_name, actions in COLLECTION_GRANTS.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue
        for action in actions:
            GroupCollectionPermission.objects.get_or_create(
                group=group,
                collection=root,
                permission=get_permission(apps, "brandasset", action),
            )
    for group_name, grants in MODEL_GRANTS.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue
        for model, action in grants:
            group.permissions.add(get_permission(apps, model, action))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    GroupCollectionPermission = apps.get_model(
        "wagtailcore", "GroupCollectionPermission"
    )
    GroupCollectionPermission.objects.filter(
        group__name__in=COLLECTION_GRANTS,
        permission__content_type__app_label="brand_assets",
    ).delete()
    for group in Group.objects.filter(name__in=MODEL_GRANTS):
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="brand_assets")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("brand_assets", "0003_brand_page_kit_notes"),
        ("core", "0001_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
