"""The media library's object checks, one behaviour at a time: deleting
(permission, uses, files), the edit form's collections, the chooser and the
duplicate answer."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from cms.programmes.models import EpisodePage
from media_pipeline.models import MediaAsset
from media_pipeline.permissions import permission_policy
from media_pipeline.services.assets import asset_create_from_upload, asset_uses
from syndication.models import Delivery
from tests.conftest import make_user

from .world import build_world, media_asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(demo):
    return build_world()


def login(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Deleting ------------------------------------------------------------------


def test_producers_may_not_delete_even_what_they_uploaded(client, world):
    producer = world.users["producer"]
    own = media_asset("制片自己的", world.b.collection, producer)
    assert permission_policy.user_has_permission_for_instance(producer, "change", own)
    assert not permission_policy.user_has_permission_for_instance(
        producer, "delete", own
    )
    assert not permission_policy.user_has_permission(producer, "delete")
    login(client, producer).post(reverse("media:delete", args=(own.pk,)))
    assert MediaAsset.objects.filter(pk=own.pk).exists()


def test_delete_needs_the_delete_permission_on_the_collection(client, world):
    scoped = world.users["scoped"]
    assert permission_policy.user_has_permission_for_instance(
        scoped, "delete", world.a.media
    )
    assert not permission_policy.user_has_permission_for_instance(
        scoped, "delete", world.b.media
    )
    assert list(
        permission_policy.instances_user_has_any_permission_for(scoped, ["delete"])
    ) == [world.a.media]


def test_an_asset_in_a_delivery_is_refused_with_the_reason_not_a_500(client, world):
    asset = world.b.media
    delivery = Delivery.objects.first()
    Delivery.objects.filter(pk=delivery.pk).update(asset=asset)
    editor = login(client, world.users["editor"])
    url = reverse("media:delete", args=(asset.pk,))

    page = editor.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "该媒体正在使用中，不能删除" in html
    assert str(delivery) in html
    assert reverse("media:usage", args=(asset.pk,)) in html
    assert "Yes, delete" not in html and "是的，删除" not in html

    response = editor.post(url)
    assert response.status_code == 302
    assert MediaAsset.objects.filter(pk=asset.pk).exists()
    assert any("正在使用中" in m for m in messages_of(response))


def test_an_asset_on_a_page_is_refused_and_the_page_named(client, world):
    asset = world.b.media
    episode = EpisodePage.objects.first()
    EpisodePage.objects.filter(pk=episode.pk).update(media_asset=asset)
    assert [use.label for use in asset_uses(asset)] == [episode.title]
    response = login(client, world.users["editor"]).post(
        reverse("media:delete", args=(asset.pk,))
    )
    assert MediaAsset.objects.filter(pk=asset.pk).exists()
    assert any(episode.title in m for m in messages_of(response))


def test_an_asset_of_a_brand_version_is_refused(client, world):
    from brand_assets.models import BrandVariant

    asset = world.b.media
    BrandVariant.objects.create(
        version=world.b.version,
        format="mp4",
        media_asset=asset,
        original_filename="x.mp4",
        size=1,
        sha256="0" * 64,
    )
    assert asset_uses(asset)
    login(client, world.users["editor"]).post(reverse("media:delete", args=(asset.pk,)))
    assert MediaAsset.objects.filter(pk=asset.pk).exists()


def test_deleting_removes_original_renditions_and_subtitles_after_commit(
    client, world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    asset = world.b.media
    job = asset.jobs.get()
    names = [
        asset.original.name,
        f"{job.output_prefix}/hls/master.m3u8",
        f"{job.output_prefix}/download.mp4",
        # A run replaced earlier: no row names it, the folder still holds it.
        f"media/renditions/{asset.pk}/1-abandoned/poster.jpg",
        asset.subtitle_tracks.get().file.name,
    ]
    for name in names:
        assert default_storage.save(name, ContentFile(b"x")) == name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = login(client, world.users["editor"]).post(
            reverse("media:delete", args=(asset.pk,))
        )
        assert response.status_code == 302
        # Nothing is removed before the deletion commits.
        assert all(default_storage.exists(name) for name in names)
    assert not MediaAsset.objects.filter(pk=asset.pk).exists()
    for callback in callbacks:
        callback()
    assert not any(default_storage.exists(name) for name in names)


# --- Forms ---------------------------------------------------------------------


def test_the_edit_form_offers_only_collections_the_user_may_add_to(client, world):
    scoped = login(client, world.users["scoped"])
    response = scoped.get(reverse("media:edit", args=(world.a.media.pk,)))
    offered = set(response.context["form"].fields["collection"].queryset)
    assert offered == {world.a.collection}


def test_moving_an_asset_into_a_collection_without_add_is_refused(client, world):
    # "scoped" may add only in A: B is not offered, and a forged B refused.
    scoped = login(client, world.users["scoped"])
    url = reverse("media:edit", args=(world.a.media.pk,))
    response = scoped.post(
        url, {"title": "移走", "collection": world.b.collection.pk, "tags": ""}
    )
    assert response.status_code == 200  # the form again, with the error
    world.a.media.refresh_from_db()
    assert world.a.media.collection == world.a.collection
    assert world.a.media.title != "移走"


# --- Chooser -------------------------------------------------------------------


def test_the_chooser_lists_only_what_the_user_may_choose(client, world):
    response = login(client, world.users["scoped"]).get(reverse("media_chooser:choose"))
    html = response.json()["html"]
    assert world.a.media.title in html
    assert world.b.media.title not in html


def test_the_chooser_refuses_users_without_media_permission(client, world):
    nobody = make_user("no-media")
    nobody.user_permissions.add(Permission.objects.get(codename="access_admin"))
    response = login(client, nobody).get(reverse("media_chooser:choose"))
    assert response.status_code in (302, 403)
    assert world.b.media.title not in response.content.decode()


# --- Duplicates ----------------------------------------------------------------


def _staged_copy_of(tmp_path, asset: MediaAsset):
    data = b"the same bytes"
    MediaAsset.objects.filter(pk=asset.pk).update(
        sha256=hashlib.sha256(data).hexdigest()
    )
    path = tmp_path / "again.mp4"
    path.write_bytes(data)
    return path


def test_a_duplicate_in_a_hidden_collection_is_not_named(world, tmp_path):
    from media_pipeline.errors import DuplicateMediaError

    path = _staged_copy_of(tmp_path, world.b.media)
    with pytest.raises(DuplicateMediaError) as refused:
        asset_create_from_upload(
            staged_path=path,
            filename="again.mp4",
            uploaded_by=world.users["scoped"],
            start_processing=False,
        )
    assert world.b.media.title not in refused.value.reason
    assert str(world.b.media.pk) not in refused.value.reason
    assert refused.value.existing is None


def test_a_duplicate_the_uploader_may_see_is_named(world, tmp_path):
    from media_pipeline.errors import DuplicateMediaError

    path = _staged_copy_of(tmp_path, world.a.media)
    with pytest.raises(DuplicateMediaError) as refused:
        asset_create_from_upload(
            staged_path=path,
            filename="again.mp4",
            uploaded_by=world.users["scoped"],
            start_processing=False,
        )
    assert world.a.media.title in refused.value.reason
    assert refused.value.existing == world.a.media
