from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """What the public site tells the world about its pages: titles and share
    tags, the sitemap, structured data, embeds, and the footer's settings."""

    name = "cms.site"
    label = "site"
    verbose_name = _("公开网站")

    def ready(self):
        from . import signal_handlers

        signal_handlers.connect()
