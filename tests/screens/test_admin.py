"""The 户外屏幕 admin: bad input refused in Chinese with nothing stored, the
roles' permissions, the files page's button and the zip download."""

import datetime as dt
import io

import pytest
from django.urls import reverse

from media_pipeline.zip_packer import verify_zip
from screens.models import (
    Playlist,
    PlaylistItem,
    Screen,
    ScreenRendition,
    ScreenSize,
)
from tests.conftest import make_user

from .builders import make_files, make_network, make_playlist, slide_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client):
    client.force_login(make_user("screen-manager", groups=["分发管理"]))
    return client


def _errors(response) -> str:
    return response.content.decode()


def _denied(response) -> bool:
    """Wagtail sends a user without the permission back to the dashboard."""
    return response.status_code == 403 or (
        response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    )


def _size_form(network, **changes) -> dict:
    return {
        "network": network.pk,
        "name": "异形屏",
        "width": 768,
        "height": 384,
        "fit": "pad",
        "frame_rate": 25,
    } | changes


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"width": 769}, "须是偶数"),
        ({"height": 10}, "须在 32 到 7680 像素之间"),
        ({"width": 9000}, "须在 32 到 7680 像素之间"),
        ({"width": 7680, "height": 7680}, "画面超过 7680×4320 像素"),
        ({"width": "宽"}, "输入整数"),
    ],
)
def test_a_bad_screen_size_is_refused_in_chinese(manager_client, changes, reason):
    network = make_network("form-net", sizes=False)
    response = manager_client.post(
        reverse("screens_sizes:add"), _size_form(network, **changes)
    )
    assert response.status_code == 200
    assert reason in _errors(response)
    assert not ScreenSize.objects.filter(network=network).exists()


def test_odd_led_sizes_are_accepted(manager_client):
    network = make_network("odd-net", sizes=False)
    for width, height in ((768, 384), (1920, 540), (96, 48)):
        response = manager_client.post(
            reverse("screens_sizes:add"),
            _size_form(network, width=width, height=height),
        )
        assert response.status_code == 302, _errors(response)[:2000]
    sizes = ScreenSize.objects.filter(network=network)
    assert sorted((s.width, s.height) for s in sizes) == [
        (96, 48),
        (768, 384),
        (1920, 540),
    ]
    assert {str(s.orientation) for s in sizes} == {"横屏"}


def _playlist_form(network, *, valid_from, valid_until, items=()) -> dict:
    data = {
        "network": network.pk,
        "name": "表单轮播",
        "valid_from": valid_from,
        "valid_until": valid_until,
        "items-TOTAL_FORMS": len(items),
        "items-INITIAL_FORMS": 0,
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 1000,
    }
    for index, item in enumerate(items):
        data |= {
            f"items-{index}-id": "",
            f"items-{index}-ORDER": index + 1,
            f"items-{index}-DELETE": "",
            f"items-{index}-media_asset": "",
            f"items-{index}-brand_variant": "",
            f"items-{index}-image": "",
            f"items-{index}-slide_seconds": "",
        } | {f"items-{index}-{k}": v for k, v in item.items()}
    return data


def test_a_playlist_ending_before_it_starts_is_refused(manager_client):
    network = make_network("dates-net", sizes=False)
    response = manager_client.post(
        reverse("screens_playlists:add"),
        _playlist_form(network, valid_from="2026-05-10", valid_until="2026-05-01"),
    )
    assert response.status_code == 200
    assert "截止日期不能早于生效日期" in _errors(response)
    assert not Playlist.objects.filter(network=network).exists()


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"slide_seconds": 5}, "每个条目须且只能选一项"),
        ({"image": "IMAGE"}, "图片须填显示时长"),
        ({"image": "IMAGE", "slide_seconds": 0}, "确保该值大于或等于1"),
        ({"image": "IMAGE", "slide_seconds": 601}, "确保该值小于或等于600"),
    ],
)
def test_a_bad_playlist_item_is_refused_in_chinese(manager_client, item, reason):
    network = make_network("items-net", sizes=False)
    picture = slide_image("表单图片")
    item = {k: picture.pk if v == "IMAGE" else v for k, v in item.items()}
    response = manager_client.post(
        reverse("screens_playlists:add"),
        _playlist_form(
            network, valid_from="2026-05-01", valid_until="2026-05-10", items=[item]
        ),
    )
    assert response.status_code == 200
    assert reason in _errors(response)
    assert not Playlist.objects.filter(network=network).exists()
    assert not PlaylistItem.objects.filter(image=picture).exists()


def test_a_playlist_with_ordered_items_is_saved(manager_client):
    network = make_network("saved-net", sizes=False)
    first, second = slide_image("第一张"), slide_image("第二张")
    response = manager_client.post(
        reverse("screens_playlists:add"),
        _playlist_form(
            network,
            valid_from="2026-05-01",
            valid_until="",
            items=[
                {"image": second.pk, "slide_seconds": 3, "ORDER": 2},
                {"image": first.pk, "slide_seconds": 8, "ORDER": 1},
            ],
        ),
    )
    assert response.status_code == 302, _errors(response)[:2000]
    playlist = Playlist.objects.get(network=network)
    assert [(i.image_id, i.slide_seconds) for i in playlist.items.all()] == [
        (first.pk, 8),
        (second.pk, 3),
    ]


def test_the_files_page_makes_the_files_and_then_offers_the_zip(
    manager_client, media_root, django_capture_on_commit_callbacks
):
    network = make_network("button-net")
    playlist = make_playlist(
        network, {"image": slide_image("按钮图片"), "slide_seconds": 4}
    )
    files = reverse("screens_playlists:files", args=[playlist.pk])
    page = manager_client.get(files).content.decode()
    assert "生成屏幕文件" in page and "下载播放包" not in page

    with django_capture_on_commit_callbacks() as callbacks:
        response = manager_client.post(files)
    assert response.status_code == 302
    assert ScreenRendition.objects.filter(item__playlist=playlist).count() == 2
    assert len(callbacks) == 2  # one transcode task per file

    download = reverse("screens_playlists:package", args=[playlist.pk])
    refused = manager_client.get(download, follow=True)
    assert "还有 2 个屏幕文件没有生成好" in refused.content.decode()

    make_files(playlist)
    page = manager_client.get(files).content.decode()
    assert "下载播放包" in page and "已生成" in page
    response = manager_client.get(download)
    assert response.status_code == 200
    assert verify_zip(io.BytesIO(b"".join(response.streaming_content))) == []


def test_roles(client, media_root):
    network = make_network("roles-net")
    playlist = make_playlist(
        network, {"image": slide_image("角色图片"), "slide_seconds": 4}
    )
    files = reverse("screens_playlists:files", args=[playlist.pk])
    download = reverse("screens_playlists:package", args=[playlist.pk])

    client.force_login(make_user("screen-producer", groups=["制片"]))
    assert client.get(files).status_code == 200
    assert _denied(client.post(files))
    assert not ScreenRendition.objects.filter(item__playlist=playlist).exists()
    assert _denied(client.get(reverse("screens_networks:add")))

    client.force_login(make_user("screen-editor", groups=["编辑"]))
    assert client.get(reverse("screens_playlists:add")).status_code == 200
    assert _denied(client.get(reverse("screens_sizes:add")))

    client.force_login(make_user("screen-reviewer", groups=["审核专家"]))
    assert _denied(client.get(files))
    assert _denied(client.get(download))
    assert _denied(client.get(reverse("screens_playlists:index")))


def test_validity_is_checked_by_the_database_too():
    from django.db import IntegrityError, transaction

    network = make_network("db-net", sizes=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Playlist.objects.create(
            network=network,
            name="倒置",
            valid_from=dt.date(2026, 5, 10),
            valid_until=dt.date(2026, 5, 1),
        )


def test_only_approved_brand_pictures_may_be_slides(manager_client, media_root):
    from django.core.exceptions import ValidationError

    from brand_assets.services import asset_version_create, version_approve
    from tests.brand_assets.builders import brand_asset, png_bytes, stored_variant

    asset = brand_asset("屏幕测试标志")
    draft = asset_version_create(asset=asset)
    unapproved = stored_variant(draft, "draft.png", png_bytes(120, 60))
    network = make_network("brand-net")
    response = manager_client.post(
        reverse("screens_playlists:add"),
        _playlist_form(
            network,
            valid_from="2026-05-01",
            valid_until="",
            items=[{"brand_variant": unapproved.pk, "slide_seconds": 5}],
        ),
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in _errors(response)
    assert not Playlist.objects.filter(network=network).exists()
    playlist = make_playlist(network)
    item = PlaylistItem(playlist=playlist, brand_variant=unapproved, slide_seconds=5)
    with pytest.raises(ValidationError, match="只能选已审定版本的品牌图片"):
        item.full_clean()

    version_approve(version=draft)
    item.save()
    make_files(playlist)
    rendition = ScreenRendition.objects.get(item=item, size__width=1920)
    assert (rendition.width, rendition.height, rendition.duration) == (1920, 540, 5)


def test_plays_are_never_typed_in_only_assigned(client):
    from screens.models import PlayRecord

    client.force_login(make_user("screen-root", superuser=True))
    assert _denied(client.get(reverse("screens_plays:add")))
    network = make_network("plays-net", sizes=False)
    playlist = make_playlist(
        network, {"image": slide_image("指派"), "slide_seconds": 3}
    )
    play = PlayRecord.objects.create(
        network=network,
        log_name="log.csv",
        line_number=2,
        title="指派图片",
        started_at=dt.datetime(2026, 5, 1, 8, tzinfo=dt.UTC),
        ended_at=dt.datetime(2026, 5, 1, 8, 0, 3, tzinfo=dt.UTC),
    )
    item = playlist.items.get()
    response = client.post(
        reverse("screens_plays:edit", args=[play.pk]), {"item": item.pk}
    )
    assert response.status_code == 302
    play.refresh_from_db()
    assert play.item == item


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"size": "OTHER"}, "所选尺寸不属于这个屏幕网络"),
        ({"closes_at": "06:00"}, "关屏时间不能与开屏时间相同"),
        ({"opens_at": "25:00"}, "输入一个有效的时间"),
    ],
)
def test_a_bad_screen_is_refused_in_chinese(manager_client, changes, reason):
    from screens.models import Screen

    network = make_network("screen-net")
    other = make_network("other-net")
    own_size = network.sizes.first()
    form = {
        "network": network.pk,
        "name": "1 号屏",
        "size": own_size.pk,
        "opens_at": "06:00",
        "closes_at": "22:00",
    }
    changes = {
        k: other.sizes.first().pk if v == "OTHER" else v for k, v in changes.items()
    }
    response = manager_client.post(reverse("screens_screens:add"), form | changes)
    assert response.status_code == 200
    assert reason in _errors(response)
    assert not Screen.objects.filter(network=network).exists()
    # A screen closing after midnight is fine.
    response = manager_client.post(
        reverse("screens_screens:add"), form | {"closes_at": "01:30"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("what", ["network", "size"])
def test_what_a_screen_uses_is_not_deleted_and_says_why(manager_client, what):
    network = make_network("in-use-net")
    size = network.sizes.first()
    screen = Screen.objects.create(network=network, name="一号站台", size=size)
    target = network if what == "network" else size
    delete = reverse(f"screens_{what}s:delete", args=[target.pk])

    response = manager_client.post(delete, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "无法删除" in page and "仍在使用它" in page and "一号站台" in page
    assert Screen.objects.filter(pk=screen.pk).exists()
    assert ScreenSize.objects.filter(network=network).count() == 2
