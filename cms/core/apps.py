from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cms.core"
    label = "core"
    verbose_name = _("站点基础")

    def ready(self):
        from cms.celery import ensure_filesystem_broker_folders

        ensure_filesystem_broker_folders()

        from media_pipeline.access import register_public_use

        from . import signal_handlers  # noqa: F401
        from .media_use import assets_used_by_public_pages

        # The site's pages make their media public while they are.
        register_public_use("cms.pages", assets_used_by_public_pages)
