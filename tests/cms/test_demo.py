import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from wagtail.models import Page, Site

from cms.core.demo import demo_load
from cms.home.models import HomePage
from cms.music.models import MusicWorkPage
from cms.programmes.models import EpisodePage
from cms.videos.models import ShortVideoPage
from media_pipeline.models import MediaAsset

pytestmark = pytest.mark.django_db

COUNTED_MODELS = [
    "wagtailcore.Page",
    "wagtailcore.Revision",
    "wagtailimages.Image",
    "people.Person",
    "broadcasters.Broadcaster",
    "broadcasters.Channel",
    "awards.Award",
    "awards.HonouredWork",
    "programmes.ProgramAiring",
    "programmes.ProgramHost",
    "programmes.EpisodeParticipant",
    "videos.ShortVideoCredit",
    "music.MusicCredit",
    "home.HomeFeaturedProgramme",
    "auth.User",
    "wagtailcore.Site",
]


def counts():
    return {label: apps.get_model(label).objects.count() for label in COUNTED_MODELS}


def test_loading_the_demo_twice_changes_nothing(demo):
    before = counts()
    demo_load(with_media=False)
    assert counts() == before
    # And the demo is not empty: the brand's tree is there.
    assert before["wagtailcore.Page"] >= 20
    assert before["awards.HonouredWork"] == 1


def test_the_site_root_is_the_brand_home_page(demo):
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    # Wagtail's placeholder welcome page is gone.
    assert not Page.objects.filter(title__startswith="Welcome").exists()


def test_demo_login_works_in_the_chinese_admin(client, demo):
    # Through the admin's login form: django-axes' backend wants the request,
    # which the test client's login() does not pass.
    response = client.post(
        "/admin/login/",
        {"username": demo.admin_username, "password": demo.admin_password},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    html = client.get("/admin/").content.decode()
    assert '<html lang="zh-hans"' in html
    assert "<title>控制面板" in html


def test_admin_password_comes_from_the_environment(demo, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "草原-星空-2024")
    result = demo_load(with_media=False)
    assert result.admin_password == "草原-星空-2024"
    user = get_user_model().objects.get(username=result.admin_username)
    assert user.check_password("草原-星空-2024")
    assert user.is_superuser


def test_anonymous_admin_login_page_is_in_chinese(client):
    html = client.get("/admin/login/").content.decode()
    assert "登录" in html


def test_demo_media_is_real_hls_on_the_pages_and_loads_once(
    demo, client, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    demo_load()
    episode = EpisodePage.objects.get(title="库布其沙漠的绿色奇迹")
    vertical = ShortVideoPage.objects.get(orientation="9:16")
    song = MusicWorkPage.objects.get(slug="baigali-zhi-ge")
    for page in (episode, vertical, song):
        assert page.media_asset and page.media_asset.is_ready, page
    assert (vertical.media_asset.width, vertical.media_asset.height) == (720, 1280)
    html = client.get(episode.url).content.decode()
    assert (
        f'data-hls-src="/media-files/{episode.media_asset.key}/hls/master.m3u8"' in html
    )
    assert (
        client.get(
            f"/media-files/{episode.media_asset.key}/hls/master.m3u8"
        ).status_code
        == 200
    )
    assert "<audio" in client.get(song.url).content.decode()

    before = counts() | {"assets": MediaAsset.objects.count()}
    demo_load()
    assert counts() | {"assets": MediaAsset.objects.count()} == before
