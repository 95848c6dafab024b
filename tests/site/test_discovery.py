"""sitemap.xml (with video entries) and robots.txt, read as crawlers read them."""

import pytest
from django.test import Client
from lxml import etree
from wagtail.models import Page, PageViewRestriction

from cms.programmes.models import EpisodePage

from .conftest import publish_with_media

pytestmark = pytest.mark.django_db

NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "video": "http://www.google.com/schemas/sitemap-video/1.1",
}


def sitemap_urls(client=None) -> dict[str, etree._Element]:
    response = (client or Client()).get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = etree.fromstring(response.content)
    return {
        url.findtext("s:loc", namespaces=NS): url for url in root.findall("s:url", NS)
    }


def test_robots_points_to_the_sitemap_and_keeps_crawlers_out_of_the_admin(demo):
    response = Client().get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_sitemap_lists_every_live_public_page_with_lastmod(demo):
    urls = sitemap_urls()
    live = Page.objects.live().public().filter(depth__gt=1)
    assert set(urls) == {page.full_url for page in live}
    for loc, url in urls.items():
        lastmod = url.findtext("s:lastmod", namespaces=NS)
        assert lastmod and lastmod[:4].isdigit(), loc


def test_sitemap_leaves_out_drafts_and_restricted_pages(demo):
    draft, restricted = EpisodePage.objects.live()[:2]
    draft_url, restricted_url = draft.full_url, restricted.full_url
    draft.unpublish()
    PageViewRestriction.objects.create(
        page=restricted, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    urls = sitemap_urls()
    assert draft_url not in urls and restricted_url not in urls
    assert len(urls) > 3


def test_pages_without_media_have_no_video_entry(demo):
    assert not any(
        url.find("video:video", NS) is not None for url in sitemap_urls().values()
    )


def test_a_page_playing_a_video_has_a_complete_video_entry(clip):
    page = publish_with_media(EpisodePage.objects.live().first(), clip)
    video = sitemap_urls()[page.full_url].find("video:video", NS)
    assert video is not None
    assert video.findtext("video:title", namespaces=NS) == page.title
    assert video.findtext("video:description", namespaces=NS) == page.summary.strip()
    assert video.findtext("video:duration", namespaces=NS) == "12"
    client = Client()
    for tag in ("thumbnail_loc", "content_loc"):
        address = video.findtext(f"video:{tag}", namespaces=NS)
        assert address.startswith("http://testserver/"), tag
        fetched = client.get(address.removeprefix("http://testserver"))
        assert fetched.status_code == 200, tag
    content_type = client.get(
        video.findtext("video:content_loc", namespaces=NS).removeprefix(
            "http://testserver"
        )
    )["Content-Type"]
    assert content_type == "video/mp4"


def test_crawlers_may_ask_with_head_but_not_post(demo):
    assert Client().head("/robots.txt").status_code == 200
    assert Client().head("/sitemap.xml").status_code == 200
    assert Client().post("/sitemap.xml").status_code == 405
