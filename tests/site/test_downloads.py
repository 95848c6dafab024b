"""The per-page download switch (公开页面提供下载): the button on the page
and in its embed, and the download address itself, for each of its three
settings on each media page type."""

import pytest
from django.test import Client
from lxml import html as lxml_html

from cms.core.models import DEFAULT_RIGHTS_HOLDER, DownloadChoice
from cms.music.models import MusicWorkPage
from cms.programmes.models import EpisodePage
from cms.videos.models import ShortVideoPage

from .conftest import publish_with_media

pytestmark = pytest.mark.django_db

OTHER_RIGHTS_HOLDER = "内蒙古广播电视台"

#: (the setting, 版权方, whether the download is offered)
CASES = [
    (DownloadChoice.FOLLOW_RIGHTS, DEFAULT_RIGHTS_HOLDER, True),
    (DownloadChoice.FOLLOW_RIGHTS, OTHER_RIGHTS_HOLDER, False),
    (DownloadChoice.ALLOW, OTHER_RIGHTS_HOLDER, True),
    (DownloadChoice.DENY, DEFAULT_RIGHTS_HOLDER, False),
]


def download_path(page) -> str:
    return f"/download/{page.pk}/"


def download_buttons(path: str) -> list:
    response = Client().get(path)
    assert response.status_code == 200, path
    return lxml_html.fromstring(response.content).xpath(
        '//a[contains(@class, "media-player__download")]'
    )


def set_download(page, choice, rights_holder):
    page.allow_download = choice
    page.rights_holder = rights_holder
    page.save_revision().publish()
    return type(page).objects.get(pk=page.pk)


@pytest.mark.parametrize("model", [EpisodePage, ShortVideoPage, MusicWorkPage])
def test_each_setting_decides_the_button_the_embed_and_the_download(model, clip):
    page = publish_with_media(model.objects.live().first(), clip)
    for choice, rights_holder, offered in CASES:
        page = set_download(page, choice, rights_holder)
        case = f"{model.__name__} {choice.label} / {rights_holder}"
        on_page = download_buttons(page.url)
        in_embed = download_buttons(f"/embed/{page.pk}/")
        answer = Client().get(download_path(page))
        if offered:
            assert len(on_page) == len(in_embed) == 1, case
            assert on_page[0].get("href") == download_path(page), case
            assert in_embed[0].get("href") == download_path(page), case
            assert on_page[0].get("download") == "十二秒样片.mp4"
            assert answer.status_code == 200, case
            assert answer["Content-Type"] == "video/mp4"
            assert answer["Content-Disposition"].startswith("attachment")
            assert (
                "%E5%8D%81%E4%BA%8C%E7%A7%92%E6%A0%B7%E7%89%87.mp4"
                in (answer["Content-Disposition"])
            )
            body = b"".join(answer.streaming_content)
            assert body[4:8] == b"ftyp", case
        else:
            assert on_page == [] and in_embed == [], case
            assert answer.status_code == 404, case


def test_the_default_follows_the_rights_holder(demo):
    page = EpisodePage()
    assert page.allow_download == DownloadChoice.FOLLOW_RIGHTS
    assert page.rights_holder == DEFAULT_RIGHTS_HOLDER


def test_no_download_of_unpublished_missing_or_mediafree_pages(clip):
    page = publish_with_media(EpisodePage.objects.live().first(), clip)
    page = set_download(page, DownloadChoice.ALLOW, DEFAULT_RIGHTS_HOLDER)
    assert Client().get(download_path(page)).status_code == 200
    page.unpublish()
    assert Client().get(download_path(page)).status_code == 404
    assert Client().get("/download/999999/").status_code == 404
    without_media = ShortVideoPage.objects.live().filter(media_asset=None).first()
    without_media.allow_download = DownloadChoice.ALLOW
    without_media.save_revision().publish()
    assert Client().get(download_path(without_media)).status_code == 404
    # Not a media page at all: the programme above the episode.
    assert Client().get(download_path(page.get_parent())).status_code == 404


def test_editors_choose_it_in_chinese_on_the_edit_form(demo, superuser):
    page = EpisodePage.objects.live().first()
    client = Client()
    client.force_login(superuser)
    response = client.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200
    doc = lxml_html.fromstring(response.content)
    (select,) = doc.xpath('//select[@name="allow_download"]')
    labels = [option.text_content().strip() for option in select.xpath("option")]
    assert labels == ["跟随版权方（默认）", "允许", "不允许"]
    label = doc.xpath(f'//label[@for="{select.get("id")}"]')[0].text_content()
    assert "公开页面提供下载" in label
