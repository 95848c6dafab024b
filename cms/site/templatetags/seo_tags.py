from django import template

from .. import downloads, embeds, seo
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


@register.inclusion_tag("site/includes/oembed_link.html", takes_context=True)
def oembed_link(context, page):
    """The oEmbed discovery ``<link>`` of an embeddable page; nothing else."""
    request = context.get("request")
    page = embeds.embeddable(page)
    if page is None:
        return {}
    return {"href": embeds.oembed_discovery_url(page, request), "title": page.title}


@register.inclusion_tag("site/includes/embed_code.html", takes_context=True)
def embed_code(context, page):
    """The "嵌入代码" button: the ``<iframe>`` to copy, for embeddable pages."""
    request = context.get("request")
    page = embeds.embeddable(page)
    if page is None:
        return {}
    width, height = embeds.frame_size(page)
    return {
        "code": embeds.iframe_html(page, request, width, height),
        "embed_url": embeds.embed_url(page, request),
    }


@register.simple_tag
def download_url(page) -> str:
    """Where the page offers its media as a download; "" when it offers
    none (``cms.site.downloads``)."""
    return downloads.download_url(page)
