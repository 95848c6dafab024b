"""Done means 7: the whole media path in real Chromium, with nothing canned.

A producer uploads a clip in the admin (upload.js, Uppy and tus against the
real tus views of ``live_server``), watches the detail page until the real
Celery worker has transcoded it (progress.js polling the progress view, then
reloading once), an editor picks the clip on an episode page with the media
chooser and publishes the page, and the public episode page plays it through
hls.js (player.js) from the renditions the worker wrote.
"""

from urllib.parse import urlsplit

import pytest

from tests.conftest import make_user
from tests.media_pipeline.media import make_video
from tests.support.page_waits import wait_until

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "pw"
CLIP_TITLE = "百嘎丽科普开讲 端到端样片"
# The worker transcodes a 4 s clip in seconds; a loaded CI machine is slower.
TRANSCODE_TIMEOUT_MS = 120_000


def collect_script_errors(page, errors: list[str]) -> None:
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))


def log_in(page, base_url: str, username: str) -> None:
    """Through the real login form, as a person would."""
    page.goto(f"{base_url}/admin/login/")
    form = page.locator("form").filter(has=page.locator("input[name=password]"))
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{base_url}/admin/")


def log_out(page, base_url: str) -> None:
    """Through the account menu of the sidebar (a POST form, as Django wants)."""
    page.goto(f"{base_url}/admin/")
    page.locator(".sidebar-footer__account").click()
    page.locator("form[action='/admin/logout/'] button").click()
    page.wait_for_url(f"{base_url}/admin/login/**")


def an_episode():
    """A live episode page, served by the default site.

    The session loads the demo once, outside any test. A transactional test
    run first finds it with the migrations' rows (the default site on
    Wagtail's welcome page, the root page) put back over it by the serialized
    rollback; one run after another transactional test finds it flushed. The
    demo loader, which only creates what is missing, sets either right.
    """
    from cms.core.demo import demo_load
    from cms.programmes.models import EpisodePage

    demo_load(with_media=False)
    episode = EpisodePage.objects.live().order_by("path").first()
    assert episode.get_url_parts() is not None, "the episode is on no site"
    return episode


def test_an_upload_is_transcoded_chosen_published_and_played(
    live_server, celery_worker_process, page, tmp_path
):
    from cms.programmes.models import EpisodePage
    from media_pipeline.models import AssetStatus, MediaAsset

    base = live_server.url
    producer = make_user("e2e-producer", groups=["制片"])
    editor = make_user("e2e-editor", groups=["编辑"])
    # make_user skips missing groups silently; they come from a migration,
    # so they are there only if the serialized rollback restored them.
    assert [group.name for group in producer.groups.all()] == ["制片"]
    assert [group.name for group in editor.groups.all()] == ["编辑"]
    episode = an_episode()
    assert episode.media_asset_id is None
    clip = make_video(tmp_path / f"{CLIP_TITLE}.mp4", width=640, height=360, seconds=4)
    errors: list[str] = []

    # 1. The producer uploads the clip on the upload page.
    log_in(page, base, "e2e-producer")
    page.goto(f"{base}/admin/media/upload/")
    page.wait_for_selector("#media-upload .media-uploader__drop")
    page.set_input_files("#media-upload-files", [clip])
    done = page.locator(".media-upload-row.is-done").filter(has_text=clip.name)
    done.wait_for(timeout=60_000)
    assert done.locator(".media-upload-row__status").inner_text() == "上传完成"
    link = done.locator("a.media-upload-row__link")
    assert link.inner_text() == "查看处理进度"
    page.screenshot(path=tmp_path / "1-uploaded.png", full_page=True)

    # The asset id comes from the tus answer's X-Media-Asset-Id header.
    asset = MediaAsset.objects.get(pk=done.get_attribute("data-asset-id"))
    assert asset.title == CLIP_TITLE
    assert asset.original_filename == clip.name
    assert asset.size == clip.stat().st_size
    assert asset.uploaded_by.username == "e2e-producer"
    assert link.get_attribute("href") == f"/admin/media/inspect/{asset.pk}/"

    # 2. The link opens the detail page in a new tab, which follows the
    # worker's progress live and reloads once the asset is ready.
    detail_url = f"{base}/admin/media/inspect/{asset.pk}/"
    detail_loads = []
    # On the context, so that the new tab's first load is seen too.
    page.context.on(
        "response",
        lambda response: (
            detail_loads.append(response.status) if response.url == detail_url else None
        ),
    )
    with page.expect_popup() as popup_info:
        link.click()
    detail = popup_info.value
    collect_script_errors(detail, errors)
    detail.wait_for_load_state()
    status = detail.locator(".media-detail__status .js-status")
    first_status = status.inner_text()
    # Polled from here: the admin's CSP refuses Playwright's wait_for_function.
    wait_until(
        detail.locator(".media-detail__status .js-status"),
        "e => e.textContent.trim() === '可用'",
        timeout=TRANSCODE_TIMEOUT_MS / 1000,
    )
    # The reload (one only) brings the preview player and the renditions.
    detail.locator(".media-detail__player video").wait_for()
    detail.wait_for_load_state()
    detail.screenshot(path=tmp_path / "2-detail-ready.png", full_page=True)
    asset.refresh_from_db()
    assert asset.status == AssetStatus.READY, asset.failure_reason
    assert first_status in {"已上传", "处理中"}, (
        "the asset was ready before the detail page was first shown, so the "
        "live progress was not exercised"
    )
    assert status.inner_text() == "可用"
    assert "is-ready" in detail.locator(".media-detail__status").get_attribute("class")
    assert detail.locator(".media-detail__player video").get_attribute(
        "data-hls-src"
    ) == (f"/media-files/{asset.key}/hls/master.m3u8")
    assert detail.get_by_text("尚无渲染文件。").count() == 0
    # The first load, where the page was still in progress, and one reload.
    page.wait_for_timeout(2500)
    assert detail_loads == [200, 200]
    detail.close()

    # 3. The editor chooses the clip on the episode page and publishes it.
    log_out(page, base)
    log_in(page, base, "e2e-editor")
    page.goto(f"{base}/admin/pages/{episode.pk}/edit/")
    chooser = page.locator("#id_media_asset-chooser")
    choose = chooser.locator(".chooser__choose-button")
    assert choose.inner_text().strip() == "选择媒体"
    choose.click()
    # Wagtail's (Bootstrap 3) modal, loaded from the chooser view.
    modal = page.locator(".modal.in")
    choice = modal.locator("a[data-chooser-modal-choice]", has_text=CLIP_TITLE)
    assert choice.get_attribute("href") == f"/admin/media_chooser/chosen/{asset.pk}/"
    # The row shows what an editor picks by: the picture, the length, the
    # status and the collection, as the browser rendered them.
    # (``has`` takes a locator relative to the row, so not ``choice``.)
    row = modal.locator(
        "tr",
        has=page.locator("a[data-chooser-modal-choice]", has_text=CLIP_TITLE),
    )
    thumbnail = row.locator("img")
    wait_until(thumbnail, "img => img.complete && img.naturalWidth > 0", timeout=10)
    cells = [text.strip() for text in row.locator("td").all_inner_texts()]
    assert "0:04" in cells, cells
    assert "可用" in cells, cells
    assert asset.collection.name in cells, cells
    choice.click()
    modal.wait_for(state="detached")
    assert chooser.locator(".chooser__title").inner_text().strip() == CLIP_TITLE
    assert page.locator("#id_media_asset").input_value() == str(asset.pk)
    page.screenshot(path=tmp_path / "3-chosen.png", full_page=True)

    footer = page.locator("footer .w-dropdown-button")
    footer.locator("[data-w-dropdown-target='toggle']").click()
    publish = footer.locator("button[name='action-publish']")
    assert publish.inner_text().strip() == "发布"
    publish.click()
    page.wait_for_url(lambda url: "/edit/" not in url, timeout=30_000)
    page.screenshot(path=tmp_path / "4-published.png", full_page=True)
    message = page.locator(".messages").inner_text()
    assert f"'{episode.title}' 已经发布" in message, message

    episode = EpisodePage.objects.get(pk=episode.pk)
    assert episode.live and not episode.has_unpublished_changes
    assert episode.media_asset_id == asset.pk
    assert episode.live_revision.user.username == "e2e-editor"

    # 4. The public episode page plays the clip through hls.js.
    log_out(page, base)
    _site_id, _root_url, path = episode.get_url_parts()
    media_requests = []
    page.on(
        "request",
        lambda request: (
            media_requests.append(urlsplit(request.url).path)
            if "/media-files/" in request.url
            else None
        ),
    )
    page.goto(base + path)
    assert page.locator("h1").inner_text() == episode.title
    video = page.locator("figure.media-player video")
    assert video.get_attribute("data-hls-src") == (
        f"/media-files/{asset.key}/hls/master.m3u8"
    )
    wait_until(video, "v => Boolean(v.dataset.player)")
    assert video.get_attribute("data-player") == "hls"
    video.evaluate("v => { v.muted = true; return v.play(); }")
    wait_until(video, "v => !v.paused && v.readyState >= 3 && v.currentTime > 0.5")
    played = video.evaluate(
        "v => ({player: v.dataset.player, src: v.currentSrc,"
        " width: v.videoWidth, height: v.videoHeight, error: v.error})"
    )
    page.screenshot(path=tmp_path / "5-playing.png", full_page=True)
    # Still hls.js on Media Source: no fallback to the MP4 happened.
    assert played["player"] == "hls"
    assert urlsplit(played["src"]).scheme == "blob"
    assert played["error"] is None
    assert played["width"] > 0 and played["height"] > 0

    # The ladder came through the file view: playlists, init and segments.
    hls = f"/media-files/{asset.key}/hls/"
    assert hls + "master.m3u8" in media_requests
    fetched = [url.removeprefix(hls) for url in media_requests if hls in url]
    assert any(name.endswith("/index.m3u8") for name in fetched), fetched
    assert any(name.endswith(".m4s") for name in fetched), fetched

    assert not errors, f"uncaught errors in the pages: {errors}"
