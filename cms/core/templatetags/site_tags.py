from datetime import timedelta

from django import template
from wagtail.models import Page, Site

from cms.core.media_facts import format_duration_zh

register = template.Library()


@register.simple_tag(takes_context=True)
def site_navigation(context) -> list[Page]:
    """The live pages directly under the site's home page that are in menus."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return []
    return list(site.root_page.get_children().live().in_menu())


@register.filter
def duration_zh(value: timedelta | None) -> str:
    """A duration as people read it on a programme guide: 12分05秒, 1小时02分."""
    return format_duration_zh(value)
