"""Who may fetch an asset's files (``media_pipeline.access``): public while
a live, publicly viewable page or the brand page's approved version uses
it; privately to a signed-in user who may choose it; 404 to everyone else.
Files are addressed by the asset's random key, never by its id."""

from __future__ import annotations

import datetime as dt
import io
import urllib.request

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone
from wagtail.models import Collection, GroupCollectionPermission, PageViewRestriction

from brand_assets.services import (
    asset_version_create,
    variant_create_from_media,
    version_approve,
)
from media_pipeline.file_responses import NO_STORE
from media_pipeline.services.subtitles import subtitle_track_add
from media_pipeline.serving import subtitle_url
from tests.brand_assets.builders import brand_asset
from tests.conftest import make_user
from tests.syndication.builders import MP4_BYTES, build_asset, short_video
from tests.syndication.conftest import publish_media

WEBVTT = "WEBVTT\n\n00:00.000 --> 00:02.000\n鄂尔多斯古如歌\n"


@pytest.fixture
def asset(demo, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    asset = build_asset(store_files=True)
    subtitle_track_add(
        asset=asset,
        source=io.BytesIO(WEBVTT.encode()),
        filename="zh.vtt",
        language="zh-Hans",
    )
    return asset


def mp4_url(asset) -> str:
    return f"/media-files/{asset.key}/download.mp4"


def track_url(asset) -> str:
    return subtitle_url(asset.subtitle_tracks.get())


def fetch(client, url):
    response = client.get(url)
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    return response, body


def assert_hidden(asset, client=None):
    client = client or Client()
    for url in (mp4_url(asset), track_url(asset)):
        response = client.get(url)
        assert response.status_code == 404, url


def assert_public(asset):
    response, body = fetch(Client(), mp4_url(asset))
    assert response.status_code == 200
    assert body == MP4_BYTES
    assert response["Cache-Control"].startswith("public")
    track = Client().get(track_url(asset))
    assert track.status_code == 200
    assert "鄂尔多斯古如歌" in track.content.decode()
    assert track["Cache-Control"].startswith("public")


def test_media_on_no_page_is_hidden(asset):
    assert_hidden(asset)


def test_files_are_not_addressed_by_id(asset):
    page = short_video(asset=asset)
    assert page.live
    assert Client().get(f"/media-files/{asset.pk}/download.mp4").status_code == 404
    assert_public(asset)


def test_a_live_page_makes_its_media_public_and_unpublishing_hides_it(asset):
    page = short_video(asset=asset)
    assert_public(asset)
    page.unpublish()
    assert_hidden(asset)


def test_a_draft_page_keeps_its_media_hidden(asset):
    page = short_video()  # published without media
    page.media_asset = asset
    page.save_revision()  # a draft that would show it
    assert_hidden(asset)


def test_a_scheduled_page_keeps_its_media_hidden(asset):
    page = short_video(asset=asset)
    page.unpublish()
    page.go_live_at = timezone.now() + dt.timedelta(days=1)
    page.save_revision().publish()  # scheduled, not live yet
    page.refresh_from_db()
    assert not page.live
    assert_hidden(asset)


@pytest.mark.parametrize(
    "restriction",
    [PageViewRestriction.PASSWORD, PageViewRestriction.LOGIN],
)
def test_a_restricted_page_keeps_its_media_restricted(asset, restriction):
    page = short_video(asset=asset)
    PageViewRestriction.objects.create(
        page=page.get_parent(), restriction_type=restriction, password="secret"
    )
    assert_hidden(asset)


def test_only_the_brand_pages_approved_version_makes_media_public(asset):
    brand = brand_asset("课间操示范视频", is_public=True)
    version = asset_version_create(asset=brand)
    variant_create_from_media(version=version, media_asset=asset)
    assert_hidden(asset)  # not approved yet
    version_approve(version=version)
    assert_public(asset)
    # A newer approved version without the video takes it off the page.
    newer = asset_version_create(asset=brand)
    version_approve(version=newer)
    assert_hidden(asset)


def test_an_approved_version_of_an_asset_not_shown_publicly_stays_hidden(asset):
    brand = brand_asset("内部素材", is_public=False)
    version = asset_version_create(asset=brand)
    variant_create_from_media(version=version, media_asset=asset)
    version_approve(version=version)
    assert_hidden(asset)


def chooser_of(collection, username: str):
    group = Group.objects.create(name=f"可选用 {username}")
    GroupCollectionPermission.objects.create(
        group=group,
        collection=collection,
        permission=Permission.objects.get(codename="choose_mediaasset"),
    )
    user = make_user(username)
    user.groups.add(group)
    # The admin's own permission, as every editorial role has.
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


def test_a_user_who_may_choose_it_fetches_it_privately(asset):
    client = Client()
    client.force_login(chooser_of(asset.collection, "chooser"))
    response, body = fetch(client, mp4_url(asset))
    assert response.status_code == 200
    assert body == MP4_BYTES
    assert response["Cache-Control"] == NO_STORE
    track = client.get(track_url(asset))
    assert track.status_code == 200
    assert track["Cache-Control"] == NO_STORE


def test_a_user_with_rights_in_another_collection_gets_nothing(asset):
    other = Collection.get_first_root_node().add_child(name="别的栏目")
    client = Client()
    client.force_login(chooser_of(other, "elsewhere"))
    assert_hidden(asset, client)


def test_a_signed_in_user_without_media_rights_gets_nothing(asset):
    client = Client()
    client.force_login(make_user("reader"))
    assert_hidden(asset, client)


def test_ranges_are_served_for_public_media(asset):
    short_video(asset=asset)
    response, body = fetch(Client(headers={"Range": "bytes=2-5"}), mp4_url(asset))
    assert response.status_code == 206
    assert body == MP4_BYTES[2:6]
    assert response["Content-Range"] == f"bytes 2-5/{len(MP4_BYTES)}"


# --- On S3: playlists rewritten to presigned URLs, for public and private ----


def follow_ladder(client, asset):
    """The first segment of the first rung, reached from the master playlist
    as a player would (playlists through the view, media from the bucket),
    and the two playlist responses."""
    master = client.get(f"/media-files/{asset.key}/hls/master.m3u8")
    assert master.status_code == 200, master.status_code
    rung = next(
        line for line in master.content.decode().splitlines() if line[:1] not in "#"
    )
    assert rung.startswith(f"/media-files/{asset.key}/")
    variant = client.get(rung)
    assert variant.status_code == 200
    segment = next(
        line
        for line in variant.content.decode().splitlines()
        if line and not line.startswith("#")
    )
    assert "X-Amz-Signature" in segment  # presigned, straight from the bucket
    with urllib.request.urlopen(segment, timeout=10) as answer:
        return answer.read(), master, variant


def test_on_s3_playlists_work_for_public_and_private_and_nobody_else(
    demo, s3_storage, s3_endpoint
):
    published = publish_media("S3 上的视频")
    asset = published.asset

    assert Client().get(f"/media-files/{asset.key}/hls/master.m3u8").status_code == 404

    chooser = Client()
    chooser.force_login(chooser_of(asset.collection, "s3-chooser"))
    body, master, variant = follow_ladder(chooser, asset)
    assert body == published.files["hls/120p/seg_0.m4s"]
    assert master["Cache-Control"] == NO_STORE == variant["Cache-Control"]

    short_video(asset=asset)
    body, master, _variant = follow_ladder(Client(), asset)
    assert body == published.files["hls/120p/seg_0.m4s"]
    assert master["Cache-Control"].startswith("public")
