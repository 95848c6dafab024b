"""Every admin listing with a search box finds Chinese by a word from the
middle of a title, as the people who use it would search."""

import hashlib
import secrets

import pytest
from django.urls import reverse
from wagtail.models import Collection

from media_pipeline.models import MediaAsset, MediaKind
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def listing(client, user, url: str, query: str) -> str:
    client.force_login(user)
    response = client.get(url, {"q": query})
    assert response.status_code == 200
    return response.content.decode()


def test_editor_page_search_finds_a_word_from_the_middle_of_a_title(
    client, editor, search_index
):
    html = listing(client, editor, "/admin/pages/search/", "沙漠")
    assert "库布其沙漠的绿色奇迹" in html
    assert "黄河几字弯的泥沙从哪里来" not in html
    html = listing(client, editor, "/admin/pages/search/", "古如歌")
    assert "鄂尔多斯古如歌" in html
    html = listing(client, editor, "/admin/pages/search/", "风能")
    assert "为什么风能发电" in html


def test_editor_page_search_finds_pages_by_a_credited_person(
    client, editor, search_index
):
    html = listing(client, editor, "/admin/pages/search/", "其木格")
    assert "马头琴为什么能发出马嘶声" in html
    assert "库布其沙漠的绿色奇迹" not in html


def test_people_listing_finds_part_of_a_name_and_of_a_title(
    client, editor, search_index
):
    url = "/admin/snippets/people/person/"
    html = listing(client, editor, url, "日娜")
    assert "苏日娜" in html and "王建国" not in html
    html = listing(client, editor, url, "气象局")
    assert "王建国" in html and "苏日娜" not in html


def test_media_library_finds_an_upload_by_a_mid_title_word(
    client, producer, django_capture_on_commit_callbacks
):
    root = Collection.get_first_root_node()
    # Saved as an upload saves them: the index follows on commit.
    with django_capture_on_commit_callbacks(execute=True):
        for title in ("鄂尔多斯古如歌 母版", "马头琴 演奏素材"):
            sha256 = hashlib.sha256(secrets.token_bytes(16)).hexdigest()
            MediaAsset.objects.create(
                title=title,
                kind=MediaKind.VIDEO,
                original=f"media/originals/{sha256[:2]}/{sha256}/source.mp4",
                original_filename="source.mp4",
                sha256=sha256,
                size=1000,
                collection=root,
                uploaded_by=producer,
            )
    html = listing(client, producer, "/admin/media/", "古如歌")
    assert "鄂尔多斯古如歌 母版" in html
    assert "马头琴 演奏素材" not in html
    # The chooser an editor opens from a page searches the same way.
    chooser = reverse("media_chooser:choose_results")
    html = listing(client, make_user("chooser", groups=["编辑"]), chooser, "演奏")
    assert "马头琴 演奏素材" in html
    assert "鄂尔多斯古如歌 母版" not in html


def test_brand_asset_library_finds_a_mid_name_word(client, search_index):
    html = listing(
        client,
        make_user("brand", superuser=True),
        "/admin/brand-assets/assets/",
        "帆布",
    )
    assert "百嘎丽帆布袋" in html
    assert "百嘎丽标志" not in html


def test_delivery_ledger_finds_deliveries_by_a_mid_title_word(client, search_index):
    manager = make_user("syndication", groups=["分发管理"])
    html = listing(client, manager, "/admin/syndication/deliveries/", "沙漠")
    assert "库布其沙漠的绿色奇迹" in html
    assert "黄河几字弯的泥沙从哪里来" not in html


def test_a_search_of_only_punctuation_finds_nothing_and_does_not_fail(
    client, editor, search_index
):
    html = listing(client, editor, "/admin/snippets/people/person/", "，。")
    assert "苏日娜" not in html
