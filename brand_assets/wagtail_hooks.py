"""The 品牌资产 menu: assets, licences, kits and the sticker specification."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from .views.assets import BrandAssetViewSet
from .views.kits import BrandKitViewSet
from .views.licences import AssetDownloadViewSet, LicenceViewSet
from .views.stickers import StickerSpecViewSet


class BrandAssetsViewSetGroup(ViewSetGroup):
    menu_label = _("品牌资产")
    menu_icon = "pick"
    menu_order = 250
    items = (
        BrandAssetViewSet("brand_asset", url_prefix="brand-assets/assets"),
        LicenceViewSet("brand_licence", url_prefix="brand-assets/licences"),
        AssetDownloadViewSet("brand_download", url_prefix="brand-assets/downloads"),
        BrandKitViewSet("brand_kit", url_prefix="brand-assets/kits"),
        StickerSpecViewSet("brand_sticker_spec", url_prefix="brand-assets/stickers"),
    )


@hooks.register("register_admin_viewset")
def register_brand_assets():
    return BrandAssetsViewSetGroup()
