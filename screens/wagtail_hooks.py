"""The 户外屏幕 menu."""

from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy

from .models import PlayRecord


class PlayLogsOnlyPermissionPolicy(ModelPermissionPolicy):
    """Plays come from operators' logs (import_asrun --network), never typed
    in, superusers included; a person only assigns an unmatched one."""

    def user_has_permission(self, user, action):
        if action == "add":
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


# Registered before any view asks for the model's policy.
if policy_registry.get_by_type(PlayRecord, fallback=False) is None:
    register_permission_policy(PlayRecord, PlayLogsOnlyPermissionPolicy(PlayRecord))

from .views import (  # noqa: E402
    PlaylistViewSet,
    PlayRecordViewSet,
    ScreenNetworkViewSet,
    ScreenSizeViewSet,
    ScreenViewSet,
)


class ScreensViewSetGroup(ViewSetGroup):
    menu_label = gettext_lazy("户外屏幕")
    menu_icon = "desktop"
    menu_order = 255
    items = (
        PlaylistViewSet,
        ScreenNetworkViewSet,
        ScreenSizeViewSet,
        ScreenViewSet,
        PlayRecordViewSet,
    )


@hooks.register("register_admin_viewset")
def register_screens():
    return ScreensViewSetGroup()
