"""Admin views of licences and download records; licence download links."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from ..models import Licence


class LicenceViewSet(ModelViewSet):
    model = Licence
    icon = "key"
    menu_label = _("授权")
    add_to_admin_menu = False
    form_fields = [
        "asset",
        "licensee_kind",
        "partner",
        "licensee_name",
        "uses",
        "starts_on",
        "ends_on",
        "attribution",
        "notes",
    ]
    list_display = ["licensee_name", "asset", "starts_on", "ends_on"]


urlpatterns = []
