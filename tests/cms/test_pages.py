"""Every page type renders its fields, and the tree only grows sensibly."""

import datetime as dt

import pytest
from django.urls import reverse

from cms.home.models import HomePage
from cms.music.models import MusicWorkIndexPage, MusicWorkPage
from cms.programmes.models import EpisodePage, ProgramIndexPage, ProgramPage
from cms.videos.models import ShortVideoPage, VideoIndexPage, VideoSeriesPage

from .helpers import add_page_url, episode_form_data

pytestmark = pytest.mark.django_db


def get_page(model, **filters):
    return model.objects.live().get(**filters)


def test_home_page_names_the_brand_and_links_to_every_section(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "百嘎丽" in html
    for model in (ProgramIndexPage, VideoIndexPage, MusicWorkIndexPage):
        assert f'href="{model.objects.get().url}"' in html
    # Featured programme, latest episodes, videos and works.
    assert "百嘎丽科普开讲" in html
    assert "冬季取暖如何预防一氧化碳中毒" in html
    assert "鄂尔多斯古如歌" in html
    assert "百嘎丽之歌" in html


def test_programme_index_lists_programmes(client, demo):
    html = client.get(ProgramIndexPage.objects.get().url).content.decode()
    assert "百嘎丽科普开讲" in html and "科技微课堂" in html


def test_programme_page_shows_media_schedule_hosts_and_episodes(client, demo):
    programme = get_page(ProgramPage, title="百嘎丽科普开讲")
    html = client.get(programme.url).content.decode()
    # 百嘎丽科普开讲 runs on both TV and radio.
    assert "电视" in html and "广播" in html
    assert "每周六 19:30 首播" in html
    assert "主持：乌兰" in html
    assert "第 4 期" in html and "库布其沙漠的绿色奇迹" in html


def test_episode_page_shows_its_programme_and_fields(client, demo):
    episode = get_page(EpisodePage, title="黄河几字弯的泥沙从哪里来")
    html = client.get(episode.url).content.decode()
    assert f'href="{episode.programme.url}"' in html
    assert "第 2 期" in html
    assert "2024年3月9日 19:30" in html  # air time in Asia/Shanghai
    assert "鄂尔多斯台 新闻综合频道" in html
    assert "26分30秒" in html
    assert "苏日娜" in html and "专家" in html


def test_video_index_and_series_list_their_children(client, demo):
    html = client.get(VideoIndexPage.objects.get().url).content.decode()
    assert "百嘎丽带你看非遗里的科普" in html
    series = VideoSeriesPage.objects.get()
    html = client.get(series.url).content.decode()
    assert "第 1 集" in html and "鄂尔多斯古如歌" in html


def test_short_video_page_shows_credits_rights_and_award(client, demo):
    video = get_page(ShortVideoPage, title="鄂尔多斯古如歌")
    html = client.get(video.url).content.decode()
    assert "横屏 16:9" in html
    assert "导演" in html and "陈思源" in html
    assert "版权所有：鄂尔多斯市科学技术协会" in html
    assert "提名" in html and "典赞·科普中国" in html


def test_vertical_short_video_says_so(client, demo):
    video = get_page(ShortVideoPage, orientation="9:16")
    assert "竖屏 9:16" in client.get(video.url).content.decode()


def test_music_work_page_shows_credits_with_roles_and_lyrics(client, demo):
    work = get_page(MusicWorkPage, title="百嘎丽之歌")
    html = client.get(work.url).content.decode()
    for role in ("作词", "作曲", "演唱"):
        assert role in html
    assert "巴特尔" in html
    assert "科学的种子" in html


def test_music_index_filters_by_form(client, demo):
    index = MusicWorkIndexPage.objects.get()
    html = client.get(index.url, {"form": "strings"}).content.decode()
    assert "草原星空" in html
    assert "百嘎丽之歌" not in html
    # An unknown form shows everything instead of failing.
    html = client.get(index.url, {"form": "<script>"}).content.decode()
    assert "百嘎丽之歌" in html and "<script>" not in html


def test_episode_list_paginates_and_tolerates_bad_page_numbers(client, demo):
    programme = get_page(ProgramPage, title="科技微课堂")
    for number in range(3, 26):
        programme.add_child(
            instance=EpisodePage(
                title=f"第{number}课",
                slug=f"lesson-{number}",
                episode_number=number,
                air_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            )
        )
    first = client.get(programme.url).content.decode()
    assert "第 25 期" in first and "第 1 / 2 页" in first
    assert "第 1 期" not in first
    second = client.get(programme.url, {"page": 2}).content.decode()
    assert "第 1 期" in second
    for bad in ("abc", "999", "-1"):
        response = client.get(programme.url, {"page": bad})
        assert response.status_code == 200


def test_unknown_address_gets_a_chinese_404(client, demo):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.parametrize(
    ("model", "wrong_parents"),
    [
        (ProgramIndexPage, [ProgramPage, VideoIndexPage]),
        (ProgramPage, [HomePage, VideoSeriesPage]),
        (EpisodePage, [HomePage, ProgramIndexPage, VideoSeriesPage]),
        (VideoSeriesPage, [HomePage, ProgramIndexPage]),
        (ShortVideoPage, [HomePage, ProgramPage, VideoIndexPage]),
        (MusicWorkPage, [HomePage, ProgramPage]),
    ],
)
def test_page_types_refuse_wrong_parents(demo, model, wrong_parents):
    for parent_model in wrong_parents:
        parent = parent_model.objects.first()
        assert not model.can_create_at(parent), (model, parent_model)


def test_page_types_accept_their_parents(demo):
    assert EpisodePage.can_create_at(ProgramPage.objects.first())
    assert ShortVideoPage.can_create_at(VideoSeriesPage.objects.first())
    assert MusicWorkPage.can_create_at(MusicWorkIndexPage.objects.first())
    # One index of each kind per home page.
    assert not ProgramIndexPage.can_create_at(HomePage.objects.get())


def test_admin_refuses_an_episode_under_the_home_page(client, demo, superuser):
    client.force_login(superuser)
    url = add_page_url(EpisodePage, HomePage.objects.get())
    before = EpisodePage.objects.count()
    response = client.get(url, follow=True)
    assert response.redirect_chain and response.redirect_chain[-1][0] == "/admin/"
    assert "权限" in response.content.decode()
    client.post(url, episode_form_data(slug="stray"))
    assert EpisodePage.objects.count() == before


def test_duplicate_episode_number_is_refused_with_a_reason(client, demo, editor):
    programme = get_page(ProgramPage, title="百嘎丽科普开讲")
    before = EpisodePage.objects.child_of(programme).count()
    client.force_login(editor)
    response = client.post(
        add_page_url(EpisodePage, programme),
        episode_form_data(episode_number=2, slug="duplicate"),
    )
    assert response.status_code == 200
    assert "本节目已有第 2 期" in response.content.decode()
    assert EpisodePage.objects.child_of(programme).count() == before


def test_admin_creates_an_episode_with_a_new_number(client, demo, editor):
    programme = get_page(ProgramPage, title="百嘎丽科普开讲")
    client.force_login(editor)
    response = client.post(
        add_page_url(EpisodePage, programme),
        episode_form_data(episode_number=5, slug="new-episode"),
    )
    assert response.status_code == 302
    assert EpisodePage.objects.child_of(programme).filter(episode_number=5).exists()


def test_admin_pages_render_for_every_page_type(client, demo, superuser):
    client.force_login(superuser)
    for model in (
        HomePage,
        ProgramIndexPage,
        ProgramPage,
        EpisodePage,
        VideoIndexPage,
        VideoSeriesPage,
        ShortVideoPage,
        MusicWorkIndexPage,
        MusicWorkPage,
    ):
        page = model.objects.first()
        response = client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,)))
        assert response.status_code == 200, model
