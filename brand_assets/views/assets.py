"""Admin views of the brand library: assets, versions, variant uploads."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from ..models import BrandAsset


class BrandAssetViewSet(ModelViewSet):
    model = BrandAsset
    icon = "image"
    menu_label = _("品牌资产")
    add_to_admin_menu = False
    form_fields = [
        "name",
        "slug",
        "kind",
        "collection",
        "description",
        "usage_guidance",
        "allowed_uses",
        "attribution",
        "is_public",
        "public_download",
    ]
    list_display = ["name", "kind", "is_public"]


urlpatterns = []
