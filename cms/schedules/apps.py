from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulesConfig(AppConfig):
    name = "cms.schedules"
    label = "schedules"
    verbose_name = _("播出编排")
