from datetime import timedelta

from django import template
from wagtail.images.models import SourceImageIOError
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


@register.simple_tag(takes_context=True)
def share_image_url(context, page) -> str:
    """The absolute address of the picture shared with the page (Open Graph):
    its cover, or without one its media's poster; "" when it has neither."""
    request = context.get("request")
    cover = getattr(page, "cover", None)
    if cover is not None:
        try:
            url = cover.get_rendition("fill-1200x630").url
        except SourceImageIOError:  # as {% image %} does: no picture, no 500
            url = ""
    else:
        url = getattr(page, "poster_url", None) or ""
    if url and request is not None:
        url = request.build_absolute_uri(url)
    return url


@register.filter
def duration_zh(value: timedelta | None) -> str:
    """A duration as people read it on a programme guide: 12分05秒, 1小时02分."""
    return format_duration_zh(value)
