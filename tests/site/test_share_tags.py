"""Titles, descriptions and share-card tags (Open Graph, WeChat's itemprop)
on every page type, with defaults when the editor leaves SEO fields empty."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.templatetags.static import static
from django.test import Client
from lxml import html as lxml_html
from PIL import Image

from cms.home.models import HomePage
from cms.programmes.models import EpisodePage
from tests.syndication.builders import cover_image

from .conftest import ingest_clip, publish_with_media

pytestmark = pytest.mark.django_db


def head_of(url: str):
    response = Client().get(url)
    assert response.status_code == 200, url
    return lxml_html.fromstring(response.content).find("head")


def meta(head, key: str) -> str | None:
    for attr in ("property", "name", "itemprop"):
        found = head.xpath(f'meta[@{attr}="{key}"]/@content')
        if found:
            return found[0]
    return None


def test_every_page_type_has_complete_share_tags(live_page_of_each_type):
    for model, page in live_page_of_each_type.items():
        head = head_of(page.url)
        name = model.__name__
        title = head.findtext("title")
        assert title.count("百嘎丽") == 1, (name, title)
        for key in ("description", "og:title", "og:description", "og:image", "og:url"):
            assert meta(head, key), (name, key)
        assert meta(head, "og:url") == page.full_url, name
        assert head.xpath('link[@rel="canonical"]/@href') == [page.full_url], name
        # WeChat's older clients read schema.org microdata instead.
        for key in ("name", "description", "image"):
            assert meta(head, key), (name, "itemprop", key)
        image = meta(head, "og:image")
        parts = urlsplit(image)
        assert parts.scheme == "http" and parts.netloc == "testserver", (name, image)


def test_home_title_names_the_brand_once(demo):
    home = HomePage.objects.get()
    title = head_of(home.url).findtext("title")
    assert title == f"百嘎丽 · {home.tagline}"


def test_descriptions_default_from_the_page_and_yield_to_the_seo_field(demo):
    page = EpisodePage.objects.live().exclude(summary="").first()
    assert not page.search_description
    head = head_of(page.url)
    assert meta(head, "description").startswith(page.summary.split()[0][:20])
    assert meta(head, "og:description") == meta(head, "description")
    assert meta(head, "og:title") == f"{page.title} · 百嘎丽"

    page.search_description = "编辑写的分享描述"
    page.seo_title = "编辑写的标题"
    page.save_revision().publish()
    head = head_of(page.url)
    assert meta(head, "description") == "编辑写的分享描述"
    assert head.findtext("title") == "编辑写的标题 · 百嘎丽"


def test_pages_without_a_picture_share_the_brand_image_of_at_least_300px(demo):
    page = EpisodePage.objects.live().first()
    page.cover = None
    page.save_revision().publish()
    image = meta(head_of(page.url), "og:image")
    assert image == BRAND_IMAGE
    with Image.open(finders.find("img/share-default.png")) as picture:
        assert min(picture.size) >= 300


BRAND_IMAGE = f"http://testserver{static('img/share-default.png')}"


def test_a_page_playing_a_video_shares_its_poster(demo, tmp_path):
    clip = ingest_clip(tmp_path, title="两秒样片", width=640, height=360, seconds=2)
    page = publish_with_media(EpisodePage.objects.live().first(), clip)
    assert page.poster_size == (640, 360)
    head = head_of(page.url)
    image = meta(head, "og:image")
    assert image == f"http://testserver{page.poster_url}"
    assert meta(head, "og:type") == "video.other"


def test_a_poster_under_300px_gives_way_to_the_brand_image(clip):
    page = publish_with_media(EpisodePage.objects.live().first(), clip)
    assert page.poster_url and page.poster_size == (320, 180)
    assert meta(head_of(page.url), "og:image") == BRAND_IMAGE


@pytest.mark.parametrize(
    ("cover_size", "shared_size"),
    [
        ((1920, 1080), (1200, 630)),  # cropped for the card
        ((300, 300), (300, 300)),  # the crop would be 300×158: shared whole
        ((640, 299), None),  # under 300 px high: the brand's picture
        ((200, 200), None),
    ],
)
def test_a_cover_is_shared_only_from_300px_up(demo, cover_size, shared_size):
    # Wagtail keeps renditions in the cache by image id, which SQLite hands
    # out again after a rolled-back test: no rendition of another test's image.
    caches["default"].clear()
    page = EpisodePage.objects.live().first()
    page.cover = cover_image(size=cover_size)
    page.save_revision().publish()
    image = meta(head_of(page.url), "og:image")
    if shared_size is None:
        assert image == BRAND_IMAGE
        return
    path = urlsplit(image).path
    stored = default_storage.open(path.removeprefix(settings.MEDIA_URL))
    with stored, Image.open(stored) as picture:
        assert picture.size == shared_size


def test_every_page_links_the_brand_icons(demo):
    head = head_of(HomePage.objects.get().url)
    icons = {
        link.get("rel"): link.get("href")
        for link in head.xpath("link[contains(@rel, 'icon')]")
    }
    assert icons["icon"] == static("img/favicon.svg")
    assert icons["apple-touch-icon"] == static("img/apple-touch-icon.png")
    with Image.open(finders.find("img/apple-touch-icon.png")) as icon:
        assert icon.size == (180, 180)


def test_views_that_are_not_pages_still_describe_the_site(demo):
    response = Client().get("/no-such-page/")
    head = lxml_html.fromstring(response.content).find("head")
    assert head.findtext("title") == "页面不存在 · 百嘎丽"
    assert "科普品牌" in meta(head, "description")


def test_the_share_card_stays_in_the_head(demo):
    """What the head computes for share cards is not seen by the cards of
    the page body (a card without its own meta line once printed it)."""
    doc = lxml_html.fromstring(Client().get(HomePage.objects.get().url).content)
    body = doc.find("body").text_content()
    assert "PageMeta" not in body and "og_type" not in body
    assert doc.xpath('//section[h2="推荐节目"]//article[@class="card"]')
