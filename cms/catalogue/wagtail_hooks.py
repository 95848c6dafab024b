"""导入目录 in the admin menu, for those who may import."""

from wagtail import hooks

from .views import CatalogueViewSet


@hooks.register("register_admin_viewset")
def register_catalogue():
    return CatalogueViewSet()
