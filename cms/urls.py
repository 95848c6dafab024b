from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("media-files/", include("media_pipeline.urls")),
    path("api/media/uploads/", include("media_pipeline.tus.urls")),
    path("api/partner/v1/", include("syndication.api.urls")),
    path("brand/", include("brand_assets.urls")),
    path("schedule/", include("cms.schedules.urls")),
    # robots.txt, sitemap.xml, embeds and oEmbed (the public site's own views).
    path("", include("cms.site.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    # Wagtail's page serving is the catch-all, so it goes last.
    path("", include(wagtail_urls)),
]
