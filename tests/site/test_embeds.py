"""The embed page and oEmbed: framable only there, and never for drafts,
unpublished or restricted pages."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from lxml import html as lxml_html
from wagtail.models import PageViewRestriction

from cms.programmes.models import EpisodePage
from cms.videos.models import ShortVideoPage

from .conftest import publish_with_media

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(clip):
    return publish_with_media(EpisodePage.objects.live().first(), clip)


def embed_path(page) -> str:
    return f"/embed/{page.pk}/"


def oembed(url: str, **params):
    return Client().get("/oembed/", {"url": url, "format": "json", **params})


def test_the_embed_page_plays_the_media_links_back_and_may_be_framed(episode, clip):
    response = Client().get(embed_path(episode))
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert response["X-Robots-Tag"] == "noindex"
    doc = lxml_html.fromstring(response.content)
    (video,) = doc.xpath("//video")
    assert f"/media-files/{clip.key}/" in video.xpath("source/@src")[0]
    assert episode.full_url in doc.xpath("//a/@href")


def test_other_pages_stay_unframable(episode):
    response = Client().get(episode.url)
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]


def test_the_page_offers_embed_code_and_oembed_discovery(episode):
    doc = lxml_html.fromstring(Client().get(episode.url).content)
    (summary,) = doc.xpath('//details[@class="embed-code"]/summary')
    assert summary.text_content().strip() == "嵌入代码"
    (code,) = doc.xpath('//textarea[@class="embed-code__text"]')
    frame = lxml_html.fragment_fromstring(code.text_content())
    assert frame.tag == "iframe"
    assert frame.get("src") == f"http://testserver{embed_path(episode)}"
    (link,) = doc.xpath('//link[@type="application/json+oembed"]')
    query = parse_qs(urlsplit(link.get("href")).query)
    assert query == {"url": [episode.full_url], "format": ["json"]}


def test_oembed_answers_for_a_media_page(episode):
    response = oembed(episode.full_url)
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["version"] == "1.0" and data["type"] == "video"
    assert data["title"] == episode.title
    assert data["provider_name"] == "百嘎丽"
    assert (data["width"], data["height"]) == (640, 360)
    frame = lxml_html.fragment_fromstring(data["html"])
    assert frame.get("src") == f"http://testserver{embed_path(episode)}"
    small = json.loads(oembed(episode.full_url, maxwidth="320").content)
    assert (small["width"], small["height"]) == (320, 180)


def test_oembed_refuses_bad_requests_in_chinese(episode):
    assert oembed(episode.full_url, format="xml").status_code == 501
    missing = Client().get("/oembed/")
    assert missing.status_code == 400 and "url" in missing.json()["error"]
    elsewhere = oembed("https://example.com" + episode.url)
    assert elsewhere.status_code == 404
    assert "可嵌入" in elsewhere.json()["error"]
    assert oembed("not a url").status_code == 404
    assert oembed(episode.full_url, maxwidth="abc").status_code == 200


def refused(page):
    assert Client().get(embed_path(page)).status_code == 404
    assert oembed(page.full_url).status_code == 404
    detail = Client().get(page.url)
    assert b"json+oembed" not in detail.content and b"embed-code" not in detail.content


def test_pages_without_media_are_not_embeddable(demo):
    page = ShortVideoPage.objects.live().first()
    assert page.media_asset is None
    refused(page)


def test_unpublished_pages_are_not_embeddable(episode):
    url = episode.full_url
    episode.unpublish()
    response = Client().get(embed_path(episode))
    assert response.status_code == 404
    assert b"/media-files/" not in response.content
    assert oembed(url).status_code == 404


def test_restricted_pages_and_their_children_are_not_embeddable(episode):
    PageViewRestriction.objects.create(
        page=episode.get_parent(),
        restriction_type=PageViewRestriction.PASSWORD,
        password="secret",
    )
    response = Client().get(embed_path(episode))
    assert response.status_code == 404
    assert b"/media-files/" not in response.content
    assert oembed(episode.full_url).status_code == 404


def test_draft_changes_are_not_embedded(episode, clip):
    draft = EpisodePage.objects.live().exclude(pk=episode.pk).first().specific
    draft.media_asset = clip
    draft.save_revision()  # a draft, not published: the live page has no media
    refused(EpisodePage.objects.get(pk=draft.pk))
