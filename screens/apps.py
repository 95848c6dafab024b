from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreensConfig(AppConfig):
    """Outdoor screen networks, their playlists and the files each screen
    size plays; operators fetch them through the partner API."""

    name = "screens"
    verbose_name = _("户外屏幕")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms.schedules.play_logs import register_play_log_importer
        from syndication.partner_routers import register_partner_router

        from . import signal_handlers  # noqa: F401
        from .api import router
        from .proof_of_play import play_log_import

        # Operators fetch their network's playlists through the partner API.
        register_partner_router("/screens", router)
        # Their proof-of-play logs come in through the as-run import.
        register_play_log_importer(play_log_import)
