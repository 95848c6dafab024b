"""A page's running time and picture come from its media, measured by the
real pipeline (ffmpeg on a generated 12-second clip), not typed twice."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from cms.home.models import HomePage
from cms.programmes.models import EpisodePage, ProgramPage
from cms.videos.models import ShortVideoPage
from media_pipeline.models import AssetStatus
from media_pipeline.services.ingest import asset_ingest
from tests.media_pipeline.media import make_video

from .helpers import add_page_url, episode_form_data

pytestmark = pytest.mark.django_db

TYPED = dt.timedelta(minutes=26, seconds=30)  # what the demo episode says


@pytest.fixture
def clip(demo, tmp_path):
    """A 12-second video through the whole pipeline, as a producer uploads it;
    large enough for its poster to be a share image (at least 300 px)."""
    source = make_video(tmp_path / "clip.mp4", width=640, height=360, seconds=12)
    asset = asset_ingest(path=source, title="十二秒样片", wait=True)
    assert asset.status == AssetStatus.READY, asset.failure_reason
    return asset


EPISODE = "黄河几字弯的泥沙从哪里来"


def episode_with(asset, *, cover=False) -> EpisodePage:
    page = EpisodePage.objects.live().get(title=EPISODE)
    assert page.duration == TYPED
    page.media_asset = asset
    if not cover:
        page.cover = None
    page.save_revision().publish()
    return EpisodePage.objects.get(pk=page.pk)


def poster_src(html: str, asset) -> str:
    found = re.findall(rf'src="(/media-files/{asset.key}/[^"]+)"', html)
    assert found, "no poster of the asset in the page"
    return found[0]


def test_pages_show_the_measured_duration_everywhere(clip):
    page = episode_with(clip)
    assert page.duration_seconds == 12.0 and page.display_duration == "0分12秒"
    anonymous = Client()
    html = anonymous.get(page.url).content.decode()
    assert "0分12秒" in html and "26分30秒" not in html
    listing = anonymous.get(page.programme.url).content.decode()
    # The episode list's own item, not the coming airings above it.
    item_pattern = (
        rf'<li class="episode-list__item">(?:(?!</li>).)*{page.title}.*?</li>'
    )
    (item,) = re.findall(item_pattern, listing, re.S)
    assert "0分12秒" in item and "26分30秒" not in item


def test_pages_without_media_keep_the_typed_duration(demo):
    page = EpisodePage.objects.live().get(title="黄河几字弯的泥沙从哪里来")
    assert page.media_asset is None
    assert page.display_duration == "26分30秒"
    assert "26分30秒" in Client().get(page.url).content.decode()


def test_cards_and_share_image_use_the_poster_without_a_cover(clip):
    page = episode_with(clip)
    html = Client().get(HomePage.objects.get().url).content.decode()
    src = poster_src(html, clip)
    assert src == page.poster_url
    response = Client().get(src)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    detail = Client().get(page.url).content.decode()
    assert f'<meta property="og:image" content="http://testserver{src}">' in detail


def test_a_cover_still_wins_over_the_poster(clip):
    page = episode_with(clip, cover=True)
    assert page.cover is not None
    html = Client().get(HomePage.objects.get().url).content.decode()
    assert page.poster_url not in html


def test_the_poster_of_a_draft_is_not_public(clip):
    page = episode_with(clip)
    url = page.poster_url
    page.unpublish()
    assert Client().get(url).status_code == 404
    assert url not in Client().get(HomePage.objects.get().url).content.decode()


def test_short_video_listing_shows_the_measured_duration(clip):
    video = ShortVideoPage.objects.live().first()
    video.media_asset = clip
    video.duration = dt.timedelta(minutes=7, seconds=7)
    video.save_revision().publish()
    html = Client().get(video.series.url).content.decode()
    assert "0分12秒" in html and "7分07秒" not in html


# --- The admin form --------------------------------------------------------


def post_episode(client, asset, **fields):
    programme = ProgramPage.objects.live().get(title="百嘎丽科普开讲")
    return client.post(
        add_page_url(EpisodePage, programme),
        episode_form_data(media_asset=asset.pk if asset else "", **fields),
    )


def test_a_typed_duration_that_contradicts_the_media_is_refused(client, clip, editor):
    client.force_login(editor)
    response = post_episode(
        client, clip, episode_number=61, slug="e61", duration="0:26:30"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "时长取自所选媒体“十二秒样片”的实测时长 0分12秒" in html
    assert not EpisodePage.objects.filter(episode_number=61).exists()


@pytest.mark.parametrize("typed", ["", "0:00:12"])
def test_the_duration_is_filled_from_the_media(client, clip, editor, typed):
    client.force_login(editor)
    response = post_episode(client, clip, episode_number=62, slug="e62", duration=typed)
    assert response.status_code == 302
    page = EpisodePage.objects.get(episode_number=62)
    assert page.duration == dt.timedelta(seconds=12)


def test_changing_the_media_replaces_a_duration_nobody_typed(client, clip, editor):
    """The stored duration came from the old media: left as it is, it follows
    the new one instead of being refused."""
    page = EpisodePage.objects.live().get(title="黄河几字弯的泥沙从哪里来")
    client.force_login(editor)
    data = episode_form_data(
        title=page.title,
        slug=page.slug,
        episode_number=page.episode_number,
        duration="0:26:30",  # as the form shows it, untouched
        media_asset=clip.pk,
    )
    response = client.post(reverse("wagtailadmin_pages:edit", args=(page.pk,)), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page.refresh_from_db()
    assert page.get_latest_revision_as_object().duration == dt.timedelta(seconds=12)
    form = client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,)))
    assert "当前媒体的实测时长：0分12秒。" in form.content.decode()


def test_pages_without_media_keep_a_typed_field(client, demo, editor):
    client.force_login(editor)
    response = post_episode(
        client, None, episode_number=63, slug="e63", duration="0:05:00"
    )
    assert response.status_code == 302
    page = EpisodePage.objects.get(episode_number=63)
    assert page.duration == dt.timedelta(minutes=5)
    assert page.display_duration == "5分00秒"
    form = client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,)))
    assert "时长自动取自媒体的实测时长" in form.content.decode()


def test_partner_items_carry_the_measured_duration(demo):
    """The partner API and feeds build items from rows (``syndication.items``):
    the delivered media's duration wins over the typed one there too."""
    from cms.core.deliverables import kind_for_model
    from syndication.items import _duration

    page = {"kind": kind_for_model(EpisodePage), "duration": TYPED}
    assert _duration(page, {"asset__duration": 12.0}) == 12.0
    assert _duration(page, {"asset__duration": None}) == TYPED.total_seconds()
