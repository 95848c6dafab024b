"""Object-level checks for Wagtail's generic admin views.

Wagtail's generic edit, delete, history and usage views ask the permission
policy about the model only ("may this user change some media?"). Wagtail's
own images and documents views also ask about the object ("may this user
change *this* image, in its collection?"). These mixins add that second
question to the generic views of the media library, syndication and the brand
library, so a right in one collection opens nothing in another.
"""

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied


class ObjectPermissionMixin:
    """Refuse (403) unless the user has any of ``object_permissions`` on the
    view's object, as the permission policy decides for that instance."""

    object_permissions: Sequence[str] = ()

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not self.user_may_act_on(obj):
            raise PermissionDenied
        return obj

    def user_may_act_on(self, obj) -> bool:
        policy = self.permission_policy
        if policy is None:
            # No policy means no rule to apply: refuse rather than open up.
            return False
        return policy.user_has_any_permission_for_instance(
            self.request.user, list(self.object_permissions), obj
        )


def object_checked(view_class, *permissions: str):
    """``view_class`` with ``ObjectPermissionMixin`` requiring any of
    ``permissions`` on its object; for a viewset's ``*_view_class``."""
    return type(
        view_class.__name__,
        (ObjectPermissionMixin, view_class),
        {"object_permissions": permissions},
    )
