from wagtail import hooks

from .dashboard import media_waiting_work
from .views.admin import MediaAssetViewSet, TranscodeProfileViewSet
from .views.chooser import media_chooser_viewset


@hooks.register("register_admin_viewset")
def register_media_library():
    return [
        MediaAssetViewSet(),
        TranscodeProfileViewSet(),
        media_chooser_viewset,
    ]


hooks.register("dashboard_waiting_work", media_waiting_work)
