from django.urls import path

from .views import discovery, downloads, embeds, search

app_name = "site"

urlpatterns = [
    path("robots.txt", discovery.robots_txt, name="robots"),
    path("sitemap.xml", discovery.sitemap_xml, name="sitemap"),
    path("embed/<int:page_id>/", embeds.embed, name="embed"),
    path("oembed/", embeds.oembed, name="oembed"),
    path("download/<int:page_id>/", downloads.download, name="download"),
    path("search/", search.search, name="search"),
    path("search/suggest/", search.suggest, name="search_suggest"),
]
