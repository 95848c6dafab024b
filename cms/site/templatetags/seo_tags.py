from django import template

from .. import seo

register = template.Library()


@register.simple_tag(takes_context=True)
def page_meta(context, page) -> seo.PageMeta:
    """The title, description, picture and address the page is shared with."""
    return seo.page_meta(page, context.get("request"))


@register.simple_tag
def site_description() -> str:
    """What views that are not pages say of the site."""
    return seo.SITE_DESCRIPTION
