from django.db.models import Q
from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import MediaAsset


class DeleteNeedsPermissionPolicy(CollectionOwnershipPermissionPolicy):
    """Wagtail's collection ownership policy, except for "delete".

    Wagtail lets an owner with only "add" delete what they uploaded, and
    treats "delete" as "change". Here deleting needs the delete permission
    itself on the object's collection: a producer who may upload and fix media
    (add, change) must not remove what a published page plays.
    """

    def _delete_collections(self, user):
        return self._collections_with_perm(user, ["delete"])

    def user_has_permission(self, user, action):
        if action == "delete":
            return self._check_perm(user, ["delete"])
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        others = set(actions) - {"delete"}
        if "delete" in actions and self._check_perm(
            user, ["delete"], collection=instance.collection
        ):
            return True
        return bool(others) and super().user_has_any_permission_for_instance(
            user, others, instance
        )

    def instances_user_has_any_permission_for(self, user, actions):
        others = set(actions) - {"delete"}
        manager = self.model._default_manager
        found = (
            super().instances_user_has_any_permission_for(user, others)
            if others
            else manager.none()
        )
        if "delete" not in actions:
            return found
        if user.is_active and user.is_superuser:
            return manager.all()
        if not user.is_authenticated:
            return manager.none()
        return manager.filter(
            Q(pk__in=found.values("pk"))
            | Q(collection__in=self._delete_collections(user))
        )

    def collections_user_has_any_permission_for(self, user, actions):
        others = set(actions) - {"delete"}
        found = super().collections_user_has_any_permission_for(user, others)
        if "delete" in actions and user.is_authenticated and not user.is_superuser:
            found = found | self._delete_collections(user)
        return found

    def users_with_any_permission(self, actions):
        others = set(actions) - {"delete"}
        users = super().users_with_any_permission(others)
        if "delete" not in actions:
            return users
        return self._either(users, self._users_with_perm(["delete"]))

    def users_with_any_permission_for_instance(self, actions, instance):
        others = set(actions) - {"delete"}
        users = super().users_with_any_permission_for_instance(others, instance)
        if "delete" not in actions:
            return users
        return self._either(
            users, self._users_with_perm(["delete"], collection=instance.collection)
        )

    @staticmethod
    def _either(first, second):
        # By ids: Django will not "|" a distinct query with a plain one.
        return first.model._default_manager.filter(
            Q(pk__in=first.values("pk")) | Q(pk__in=second.values("pk"))
        )


# As Wagtail's images and documents: permissions per collection, and owners
# may change what they uploaded (but not delete it, see above).
permission_policy = DeleteNeedsPermissionPolicy(
    MediaAsset, auth_model=MediaAsset, owner_field_name="uploaded_by"
)
register_permission_policy(MediaAsset, permission_policy)
