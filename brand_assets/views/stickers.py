"""Admin views of the sticker album specification."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from ..models import StickerSpecItem


class StickerSpecViewSet(ModelViewSet):
    model = StickerSpecItem
    icon = "clipboard-list"
    menu_label = _("表情规格")
    add_to_admin_menu = False
    form_fields = [
        "width",
        "height",
        "formats",
        "max_bytes",
        "counts",
        "max_fps",
        "transparent",
        "verified",
        "notes",
    ]
    list_display = ["role", "width", "height", "max_bytes", "verified"]


urlpatterns = []
