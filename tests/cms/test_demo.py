import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from wagtail.models import Page, Site

from cms.core.demo import demo_load
from cms.home.models import HomePage

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
    demo_load()
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
    assert client.login(username=demo.admin_username, password=demo.admin_password)
    html = client.get("/admin/").content.decode()
    assert '<html lang="zh-hans"' in html
    assert "<title>控制面板" in html


def test_admin_password_comes_from_the_environment(demo, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "草原-星空-2024")
    result = demo_load()
    assert result.admin_password == "草原-星空-2024"
    user = get_user_model().objects.get(username=result.admin_username)
    assert user.check_password("草原-星空-2024")
    assert user.is_superuser


def test_anonymous_admin_login_page_is_in_chinese(client):
    html = client.get("/admin/login/").content.decode()
    assert "登录" in html
