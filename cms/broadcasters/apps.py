from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BroadcastersConfig(AppConfig):
    name = "cms.broadcasters"
    label = "broadcasters"
    verbose_name = _("播出机构")
