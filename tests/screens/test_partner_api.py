"""Operators fetch their network's playlists through the partner API; a
screen-network partner sees only its own network's, and every refusal says
why in Chinese."""

import hashlib
import io
import json
import zipfile

import pytest

from media_pipeline.zip_packer import verify_zip
from syndication.models import Platform
from tests.syndication.conftest import make_partner

from .builders import make_files, make_network, make_playlist, slide_image

pytestmark = pytest.mark.django_db

SCREENS = "/screens/playlists"


@pytest.fixture
def platform(db):
    return Platform.objects.create(name="测试户外屏", slug="test-screens")


@pytest.fixture
def bus(platform):
    return make_partner("公交屏运营方", platform)


@pytest.fixture
def rail(platform):
    return make_partner("铁路屏运营方", platform)


@pytest.fixture
def playlists(bus, rail, media_root):
    bus_network = make_network("bus-net", operator=bus.account)
    rail_network = make_network("rail-net", operator=rail.account)
    bus_list = make_playlist(
        bus_network, {"image": slide_image("公交图片"), "slide_seconds": 9}
    )
    rail_list = make_playlist(
        rail_network,
        {"image": slide_image("铁路图片", colour="blue"), "slide_seconds": 4},
        name="铁路轮播",
    )
    return bus_list, rail_list


def test_an_operator_lists_only_its_own_networks_playlists(bus, rail, playlists):
    bus_list, rail_list = playlists
    response = bus.get(SCREENS)
    assert response.status_code == 200
    assert [(p["id"], p["network"]) for p in response.json()["items"]] == [
        (bus_list.pk, "bus-net")
    ]
    assert [p["id"] for p in rail.get(SCREENS).json()["items"]] == [rail_list.pk]


def test_another_networks_playlist_answers_404(bus, playlists):
    _bus_list, rail_list = playlists
    for path in (f"{SCREENS}/{rail_list.pk}", f"{SCREENS}/{rail_list.pk}/package"):
        response = bus.get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "未找到该播放列表。"}


def test_a_partner_that_runs_no_network_is_refused_with_the_reason(platform, playlists):
    stranger = make_partner("内容平台合作方", platform)
    _bus_list, rail_list = playlists
    for path in (SCREENS, f"{SCREENS}/{rail_list.pk}"):
        response = stranger.get(path)
        assert response.status_code == 403
        assert "不是任何屏幕网络的运营方" in response.json()["detail"]


def test_without_a_key_nothing_is_given(client, playlists):
    response = client.get(f"/api/partner/v1{SCREENS}")
    assert response.status_code == 401
    assert "缺少接口密钥" in response.json()["detail"]


def test_a_bad_playlist_id_is_refused_in_chinese(bus, playlists):
    response = bus.get(f"{SCREENS}/abc")
    assert response.status_code == 422
    assert response.json()["detail"]
    assert not response.json()["detail"].isascii()


def test_a_playlist_not_made_yet_says_so(bus, playlists):
    bus_list, _rail_list = playlists
    for path in (f"{SCREENS}/{bus_list.pk}", f"{SCREENS}/{bus_list.pk}/package"):
        response = bus.get(path)
        assert response.status_code == 409
        assert "个屏幕文件没有生成好" in response.json()["detail"]


def test_the_operator_downloads_its_playlist_and_zip(bus, playlists):
    bus_list, _rail_list = playlists
    make_files(bus_list)
    document = bus.get(f"{SCREENS}/{bus_list.pk}").json()
    assert document["network"]["slug"] == "bus-net"
    assert [s["folder"] for s in document["sizes"]] == [
        "768x384-silent",
        "1920x540-sound",
    ]

    response = bus.get(f"{SCREENS}/{bus_list.pk}/package")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Security-Policy"] == "default-src 'none'"
    data = b"".join(response.streaming_content)
    assert verify_zip(io.BytesIO(data)) == []
    archive = zipfile.ZipFile(io.BytesIO(data))
    in_zip = json.loads(archive.read("playlist.json"))
    assert in_zip["sizes"] == document["sizes"]
    for size in in_zip["sizes"]:
        (slide,) = size["items"]
        assert slide["duration"] == 9
        content = archive.read(slide["file"])
        assert hashlib.sha256(content).hexdigest() == slide["sha256"]


def test_the_api_documents_the_screens_endpoints(bus):
    schema = bus.get("/openapi.json").json()
    assert "/api/partner/v1/screens/playlists/{playlist_id}/package" in schema["paths"]


def test_schemathesis_finds_nothing_in_the_screens_endpoints(bus, playlists, settings):
    """The screens operations fuzzed from the schema with an operator's key
    (whose playlist is ready), with all of schemathesis's checks: no 5xx,
    every answer documented, invalid input refused."""
    import schemathesis
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from schemathesis import GenerationMode

    from tests.syndication.conftest import API

    bus_list, _rail_list = playlists
    make_files(bus_list)
    settings.PARTNER_API_RATE_LIMIT = 0
    headers = {"Authorization": f"Bearer {bus.key}"}
    # The WSGI handler must not close the connection holding the test's
    # transaction (as in tests/syndication/test_partner_api.py).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi(
            f"{API}/openapi.json", get_wsgi_application()
        )
        operations = [
            result.ok()
            for result in schema.get_all_operations()
            if "/screens/" in result.ok().path
        ]
        assert len(operations) == 3
        for operation in operations:
            for case in schema.iter_coverage_cases(
                operation,
                generation_modes=list(GenerationMode),
                generation_config=schema.config.generation_for(
                    operation=operation, phase="coverage"
                ),
            ):
                case.call_and_validate(headers=headers)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @given(case=operation.as_strategy(generation_mode=mode))
                @hypothesis_settings(
                    max_examples=10,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                    derandomize=True,
                    database=None,
                )
                def run(case):
                    case.call_and_validate(headers=headers)

                run()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
