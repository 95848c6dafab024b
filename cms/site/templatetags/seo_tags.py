from django import template

from .. import seo
from .. import structured_data as sd

register = template.Library()


@register.simple_tag(takes_context=True)
def page_meta(context, page) -> seo.PageMeta:
    """The title, description, picture and address the page is shared with."""
    return seo.page_meta(page, context.get("request"))


@register.simple_tag
def site_description() -> str:
    """What views that are not pages say of the site."""
    return seo.SITE_DESCRIPTION


@register.simple_tag(takes_context=True)
def structured_data(context, page):
    """The page's schema.org JSON-LD (``cms.site.structured_data``)."""
    return sd.json_ld_script(sd.page_graph(page, context.get("request")))
