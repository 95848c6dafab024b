from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BrandAssetsConfig(AppConfig):
    """The brand's IP library: marks, mascot art, sticker packs, 文创 designs,
    the 课间操 kit and promo films, with versions, licences and kits."""

    name = "brand_assets"
    verbose_name = _("品牌资产")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # permissions: registered before any view asks Wagtail for the
        # asset's policy; signal_handlers: stored files removed with their rows.
        from syndication.partner_routers import register_partner_router

        from . import (
            permissions,  # noqa: F401
            signal_handlers,  # noqa: F401
        )
        from .api import router

        # Partners fetch brand assets through syndication's partner API.
        register_partner_router("/brand-assets", router)

        from media_pipeline.access import register_public_use

        from .media import assets_used_by_public_brand_versions

        # Video and audio the brand page shows are public media.
        register_public_use(
            "brand_assets.versions", assets_used_by_public_brand_versions
        )
