from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    """Bringing the back catalogue in from a spreadsheet and a folder."""

    name = "cms.catalogue"
    label = "catalogue"
    verbose_name = _("目录导入")
    default_auto_field = "django.db.models.BigAutoField"
