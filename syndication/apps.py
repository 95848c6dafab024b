from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyndicationConfig(AppConfig):
    """Deliveries to national platforms, the partner API and its feeds."""

    name = "syndication"
    label = "syndication"
    verbose_name = _("分发")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signal_handlers  # noqa: F401
