"""Who may do what with brand assets: per collection, as Wagtail's images and
documents, and owners (``created_by``) may change what they created; only
the delete permission deletes.

Versions and variants have no permissions of their own: whoever may change
an asset may add versions and files to it and approve them. Whoever may
choose, change or delete an asset is of its team: they see every version
and file of it in the admin, approved or not.
"""

from wagtail.permissions import register_permission_policy

from media_pipeline.permissions import DeleteNeedsPermissionPolicy

from .models import BrandAsset

# Deleting needs the delete permission itself, as in the media library: an
# asset's versions are what partners and the public were given.
permission_policy = DeleteNeedsPermissionPolicy(
    BrandAsset, auth_model=BrandAsset, owner_field_name="created_by"
)
register_permission_policy(BrandAsset, permission_policy)

#: Any of these on an asset makes a user one of its team.
TEAM_ACTIONS = ["choose", "change", "delete"]


def user_is_team(user, asset: BrandAsset) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return permission_policy.user_has_any_permission_for_instance(
        user, TEAM_ACTIONS, asset
    )


def user_can_change(user, asset: BrandAsset) -> bool:
    return permission_policy.user_has_permission_for_instance(user, "change", asset)
