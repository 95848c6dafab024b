"""The 户外屏幕 menu."""

from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from .views import (
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
