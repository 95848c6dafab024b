from django.urls import path

from .views import discovery

app_name = "site"

urlpatterns = [
    path("robots.txt", discovery.robots_txt, name="robots"),
    path("sitemap.xml", discovery.sitemap_xml, name="sitemap"),
]
