import pytest
from wagtail.models import Page, get_page_models


def public_page_types() -> list[type[Page]]:
    """Every concrete page type the site serves, read from the models."""
    return [model for model in get_page_models() if model is not Page]


@pytest.fixture
def live_page_of_each_type(demo) -> dict[type[Page], Page]:
    """One live page of every page type from the demo site; a page type the
    demo does not fill fails here, so a new type cannot skip these tests."""
    pages = {}
    for model in public_page_types():
        page = model.objects.live().public().order_by("path").first()
        assert page is not None, f"the demo site has no live {model.__name__}"
        pages[model] = page
    return pages


def ingest_clip(folder, *, title: str, width: int, height: int, seconds: float):
    """A generated video through the whole pipeline, as a producer uploads it."""
    from media_pipeline.models import AssetStatus
    from media_pipeline.services.ingest import asset_ingest
    from tests.media_pipeline.media import make_video

    source = make_video(
        folder / "clip.mp4", width=width, height=height, seconds=seconds
    )
    asset = asset_ingest(path=source, title=title, wait=True)
    assert asset.status == AssetStatus.READY, asset.failure_reason
    return asset


@pytest.fixture
def clip(demo, tmp_path):
    """A 12-second 320×180 video (its poster too small for a share card)."""
    return ingest_clip(tmp_path, title="十二秒样片", width=320, height=180, seconds=12)


def publish_with_media(page, asset, *, cover=False):
    """``page`` (live) republished playing ``asset``, reloaded; without its
    cover unless asked, so its picture is the media's poster (which the
    media view serves; the test server does not serve /media/ renditions)."""
    page = page.specific
    page.media_asset = asset
    if not cover:
        page.cover = None
    page.save_revision().publish()
    return type(page).objects.get(pk=page.pk)
