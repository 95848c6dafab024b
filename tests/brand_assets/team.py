"""Users with brand library permissions granted on the root collection, as
Wagtail grants image permissions, independent of the seeded roles."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from wagtail.models import Collection, GroupCollectionPermission

from tests.conftest import make_user


def team_user(username: str, *actions: str):
    """A user who may use the admin and has ``actions`` ("add", "change",
    "choose") on every brand asset; none for a user with admin access only."""
    group = Group.objects.create(name=f"品牌-{username}")
    group.permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    root = Collection.get_first_root_node()
    for action in actions:
        GroupCollectionPermission.objects.create(
            group=group,
            collection=root,
            permission=Permission.objects.get(
                content_type__app_label="brand_assets",
                codename=f"{action}_brandasset",
            ),
        )
    user = make_user(username)
    user.groups.add(group)
    return user
