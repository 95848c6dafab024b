"""What the admin shows around the content: the help menu, the site list.

Wagtail's help menu links to guide.wagtail.org, in English and out of reach
from many of the offices that use this admin; the keyboard shortcuts stay.
"""

from wagtail import hooks
from wagtail.models import Site
from wagtail.sites.views import IndexView as SiteIndexView

EXTERNAL_HELP_ITEMS = {"editor-guide"}
# Wagtail names its release notes item after the version it runs.
EXTERNAL_HELP_PREFIX = "whats-new-in-wagtail-"


@hooks.register("construct_help_menu")
def hide_external_help(request, menu_items):
    menu_items[:] = [
        item
        for item in menu_items
        if item.name not in EXTERNAL_HELP_ITEMS
        and not item.name.startswith(EXTERNAL_HELP_PREFIX)
    ]


def label_site_columns() -> None:
    """Wagtail's site list heads three columns with their field names in
    English ("Port", "Site name", "Root page"), which no catalogue reaches;
    the fields' own verbose names are translated."""
    for column in SiteIndexView.columns:
        if column.name in {"port", "site_name", "root_page"}:
            column.label = Site._meta.get_field(column.name).verbose_name


label_site_columns()
