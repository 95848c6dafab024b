from wagtail import hooks

from .dashboard import media_todo_items
from .views.admin import MediaAssetViewSet, TranscodeProfileViewSet
from .views.chooser import media_chooser_viewset


@hooks.register("register_admin_viewset")
def register_media_library():
    return [
        MediaAssetViewSet(),
        TranscodeProfileViewSet(),
        media_chooser_viewset,
    ]


hooks.register("dashboard_todo_items", media_todo_items)
