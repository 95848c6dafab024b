"""Public pages kept in the cache for anonymous visitors and dropped on
publish; never kept for editors or restricted pages; ETag and 304."""

import pytest
from django.test import Client
from wagtail.models import PageViewRestriction

from cms.home.models import HomePage
from cms.programmes.models import EpisodePage
from cms.site import page_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings, demo):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    # Entries of other tests (whose database was rolled back) are not read.
    page_cache._bump()
    yield
    page_cache._bump()


def get(url, client=None):
    response = (client or Client()).get(url)
    return response, response.get(page_cache.STATUS_HEADER)


def test_a_public_page_is_kept_and_served_again(demo):
    page = EpisodePage.objects.live().first()
    first, status = get(page.url)
    assert (first.status_code, status) == (200, "miss")
    second, status = get(page.url)
    assert (second.status_code, status) == (200, "hit")
    assert second.content == first.content
    assert "Content-Security-Policy" in second
    assert "no-cache" in second["Cache-Control"] and "public" in second["Cache-Control"]


def test_publishing_a_change_is_seen_on_the_next_request(demo):
    page = EpisodePage.objects.live().first()
    get(page.url)
    assert get(page.url)[1] == "hit"
    page.title = "改过的标题"
    page.save_revision().publish()
    response, status = get(page.url)
    assert status == "miss" and "改过的标题" in response.content.decode()


def test_publishing_one_page_refreshes_the_listings_that_show_it(demo):
    home = HomePage.objects.get()
    get(home.url)
    assert get(home.url)[1] == "hit"
    episode = EpisodePage.objects.live().first()
    episode.title = "首页也该看到的新标题"
    episode.save_revision().publish()
    response, status = get(home.url)
    assert status == "miss" and "首页也该看到的新标题" in response.content.decode()


def test_an_unpublished_page_is_gone_at_once(demo):
    page = EpisodePage.objects.live().first()
    url = page.url
    get(url)
    page.unpublish()
    assert Client().get(url).status_code == 404


def test_restricted_pages_are_never_kept(demo):
    page = EpisodePage.objects.live().first()
    get(page.url)
    PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    response, status = get(page.url)
    assert status is None and b'name="password"' in response.content
    assert get(page.url)[1] is None


def test_editors_never_get_or_fill_the_kept_pages(demo, superuser):
    page = EpisodePage.objects.live().first()
    editor = Client()
    editor.force_login(superuser)
    response, status = get(page.url, editor)
    assert status is None and b"wagtail-userbar" in response.content
    assert get(page.url)[1] == "miss"  # the editor's page was not kept
    response, status = get(page.url, editor)
    assert status is None and b"wagtail-userbar" in response.content


def test_an_unchanged_page_answers_304_to_its_etag(demo):
    page = EpisodePage.objects.live().first()
    first, _ = get(page.url)
    etag = first["ETag"]
    again = Client().get(page.url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    page.title = "发布后的新标题"
    page.save_revision().publish()
    changed = Client().get(page.url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "发布后的新标题" in changed.content.decode()


def test_the_cache_is_off_unless_configured(settings, demo):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    page = EpisodePage.objects.live().first()
    assert get(page.url)[1] is None and get(page.url)[1] is None
