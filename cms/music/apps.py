from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MusicConfig(AppConfig):
    name = "cms.music"
    label = "music"
    verbose_name = _("音乐作品")
