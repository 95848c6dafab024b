"""``robots.txt`` and ``sitemap.xml``: how search engines find the pages."""

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap

from ..sitemaps import SiteSitemap

#: Crawlers keep out of the admin and the APIs. Media files and embeds stay
#: allowed: the video sitemap points at them (embeds say ``noindex`` instead).
DISALLOWED = ("/admin/", "/api/")


@require_safe
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED)]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('site:sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_safe
def sitemap_xml(request):
    return wagtail_sitemap(
        request,
        sitemaps={"pages": SiteSitemap},
        template_name="site/sitemap.xml",
        content_type="application/xml",
    )
