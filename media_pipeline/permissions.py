from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import MediaAsset

# As Wagtail's images and documents: permissions per collection, and owners
# may change what they uploaded.
permission_policy = CollectionOwnershipPermissionPolicy(
    MediaAsset, auth_model=MediaAsset, owner_field_name="uploaded_by"
)
register_permission_policy(MediaAsset, permission_policy)
