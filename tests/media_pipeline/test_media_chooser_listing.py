"""The media chooser (the modal editors pick media in) and the media listing
show each asset's thumbnail, duration, status and collection, and narrow by
status and collection."""

import hashlib
import re
import secrets

import pytest
from django.urls import reverse
from wagtail.models import Collection

from media_pipeline.models import AssetStatus, MediaAsset
from media_pipeline.services.ingest import asset_ingest

from .media import make_video

pytestmark = pytest.mark.django_db

CHOOSE = "media_chooser:choose"
RESULTS = "media_chooser:choose_results"
LISTING = "media:index"


def failed_asset(title: str, collection: Collection) -> MediaAsset:
    sha256 = hashlib.sha256(secrets.token_bytes(16)).hexdigest()
    return MediaAsset.objects.create(
        title=title,
        collection=collection,
        original=f"media/originals/{sha256[:2]}/{sha256}/x.mp4",
        original_filename="x.mp4",
        sha256=sha256,
        size=1,
        status=AssetStatus.FAILED,
        failure_reason="无法解码",
    )


@pytest.fixture
def library(demo, tmp_path):
    root = Collection.get_first_root_node()
    heritage = root.add_child(name="非遗样片")
    rushes = root.add_child(name="素材")
    source = make_video(tmp_path / "clip.mp4", width=320, height=180, seconds=3)
    ready = asset_ingest(
        path=source, title="古如歌样片", collection=heritage, wait=True
    )
    assert ready.status == AssetStatus.READY, ready.failure_reason
    broken = failed_asset("坏掉的素材", rushes)
    return {"ready": ready, "broken": broken, "heritage": heritage, "rushes": rushes}


def html_of(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200, (name, params)
    if response["Content-Type"].startswith("application/json"):
        return response.json()["html"]
    return response.content.decode()


def titles(html: str) -> set[str]:
    return {t for t in ("古如歌样片", "坏掉的素材") if t in html}


@pytest.mark.parametrize("view", [CHOOSE, LISTING])
def test_rows_show_thumbnail_duration_status_and_collection(
    client, superuser, library, view
):
    client.force_login(superuser)
    html = html_of(client, view)
    for heading in ("缩略图", "时长", "状态", "收藏集"):
        assert heading in html, heading
    ready = library["ready"]
    src = re.search(rf'<img src="(/media-files/{ready.key}/thumbs/[^"]+)"', html)
    assert src, "no thumbnail for the ready asset"
    assert "0:03" in html
    assert "可用" in html and "失败" in html
    assert "非遗样片" in html and "素材" in html
    assert "无缩略图" in html  # the failed one has none
    # The signed-in editor may see the thumbnail of media on no public page.
    image = client.get(src.group(1))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("view", "collection_param"),
    [(CHOOSE, "collection_id"), (RESULTS, "collection_id"), (LISTING, "collection")],
)
def test_filters_narrow_by_status_and_collection(
    client, superuser, library, view, collection_param
):
    client.force_login(superuser)
    assert titles(html_of(client, view)) == {"古如歌样片", "坏掉的素材"}
    assert titles(html_of(client, view, status="ready")) == {"古如歌样片"}
    assert titles(html_of(client, view, status="failed")) == {"坏掉的素材"}
    by_collection = {collection_param: library["rushes"].pk}
    assert titles(html_of(client, view, **by_collection)) == {"坏掉的素材"}
    both = {"status": "ready", collection_param: library["rushes"].pk}
    assert titles(html_of(client, view, **both)) == set()


def test_the_chooser_offers_the_filters(client, superuser, library):
    client.force_login(superuser)
    html = html_of(client, CHOOSE)
    assert 'name="status"' in html and 'name="collection_id"' in html
    assert "全部状态" in html


@pytest.mark.parametrize("view", [CHOOSE, RESULTS, LISTING])
@pytest.mark.parametrize(
    "params",
    [
        {"status": "nonsense"},
        {"collection_id": "abc", "collection": "abc"},
        {"collection_id": "999999", "collection": "999999"},
        {"status": "ready'--", "p": "1"},
    ],
)
def test_bad_filter_input_is_not_a_500(client, superuser, library, view, params):
    client.force_login(superuser)
    response = client.get(reverse(view), params)
    assert response.status_code == 200
