"""Admin views of download kits; public kit downloads."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from ..models import BrandKit


class BrandKitViewSet(ModelViewSet):
    model = BrandKit
    icon = "download"
    menu_label = _("下载套件")
    add_to_admin_menu = False
    form_fields = ["name", "slug", "description", "assets", "include_sources"]
    list_display = ["name", "status", "built_at"]


urlpatterns = []
