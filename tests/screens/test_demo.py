"""The demo's screen network, as load_demo leaves it (the session's demo is
loaded without media: its playlist holds the two slides)."""

import io

import pytest
from django.test import Client

from media_pipeline.zip_packer import verify_zip
from screens.demo import NETWORK_SLUG, demo_screens
from screens.models import PlayRecord, RenditionStatus, ScreenNetwork, ScreenRendition
from screens.packages import playlist_package
from tests.syndication.conftest import API

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_network_with_two_sizes_and_a_ready_playlist(demo):
    network = ScreenNetwork.objects.get(slug=NETWORK_SLUG)
    assert network.operator is not None
    sizes = sorted((s.width, s.height, s.has_sound) for s in network.sizes.all())
    assert sizes == [(768, 384, False), (1920, 540, True)]
    assert network.screens.count() == 3
    (playlist,) = network.playlists.all()
    assert [i.kind for i in playlist.items.all()] == ["slide", "slide"]
    renditions = ScreenRendition.objects.filter(item__playlist=playlist)
    assert renditions.count() == 4
    assert set(renditions.values_list("status", flat=True)) == {RenditionStatus.READY}
    with playlist.package.storage.open(playlist_package(playlist), "rb") as stream:
        assert verify_zip(io.BytesIO(stream.read())) == []
    plays = PlayRecord.objects.filter(network=network)
    assert plays.count() == 2 and not plays.filter(item__isnull=True).exists()


def test_the_demo_operator_fetches_its_playlist_through_the_partner_api(demo):
    from syndication.keys import partner_key_create

    network = ScreenNetwork.objects.get(slug=NETWORK_SLUG)
    _key, plaintext = partner_key_create(partner=network.operator)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    listed = client.get(f"{API}/screens/playlists").json()["items"]
    assert [p["network"] for p in listed] == [NETWORK_SLUG]
    response = client.get(f"{API}/screens/playlists/{listed[0]['id']}/package")
    assert response.status_code == 200


def test_loading_the_demo_again_changes_nothing(demo):
    before = list(ScreenRendition.objects.values_list("pk", "sha256", "made_at"))
    demo_screens()
    assert (
        list(ScreenRendition.objects.values_list("pk", "sha256", "made_at")) == before
    )
    assert ScreenNetwork.objects.filter(slug=NETWORK_SLUG).count() == 1
