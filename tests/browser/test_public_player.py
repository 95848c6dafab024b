"""The public player in Chromium, on a real episode page of ``live_server``
playing a clip made by the real pipeline (ffmpeg ladder, sprite sheets and
their WebVTT track): sprite thumbnails over the scrub bar, the download
button, keyboard seeking, and the position remembered across a reload."""

import pytest

from tests.browser.test_media_end_to_end import an_episode
from tests.media_pipeline.media import make_video
from tests.support.page_waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SECONDS = 12


@pytest.fixture
def episode_path(settings, tmp_path):
    """The path of a live episode playing a 12 s clip through the pipeline."""
    from media_pipeline.models import AssetStatus
    from media_pipeline.services.ingest import asset_ingest

    settings.MEDIA_ROOT = str(tmp_path / "media")
    source = make_video(tmp_path / "clip.mp4", width=320, height=180, seconds=SECONDS)
    asset = asset_ingest(path=source, title="十二秒样片", wait=True)
    assert asset.status == AssetStatus.READY, asset.failure_reason
    episode = an_episode().specific
    episode.media_asset = asset
    episode.rights_holder = "鄂尔多斯市科学技术协会"  # the brand's own: downloadable
    episode.save_revision().publish()
    return episode.get_url_parts()[2]


def ready(page):
    figure = page.locator("figure[data-media-player]")
    wait_until(figure, "f => f.dataset.enhanced && Number(f.dataset.sprites) > 0")
    wait_until(figure, "f => f.querySelector('video').duration > 0")
    return figure


def test_scrubbing_shows_sprite_thumbnails_and_the_download_button(
    live_server, page, episode_path
):
    page.goto(live_server.url + episode_path)
    figure = ready(page)
    scrub = figure.locator("[data-player-scrub]")
    assert scrub.is_visible()
    scrub.scroll_into_view_if_needed()
    box = scrub.bounding_box()
    seen = []
    for fraction in (0.05, 0.9):
        page.mouse.move(
            box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2
        )
        thumb = figure.locator("[data-player-thumb]")
        wait_until(thumb, "t => t.offsetWidth > 0", timeout=5)
        assert thumb.is_visible()
        seen.append(
            thumb.evaluate(
                "t => ({image: t.style.backgroundImage,"
                " pos: t.style.backgroundPosition, width: t.offsetWidth,"
                " start: Number(t.dataset.cueStart)})"
            )
        )
    assert all("sprite_001.jpg" in shot["image"] for shot in seen), seen
    assert seen[0]["pos"] != seen[1]["pos"] and seen[0]["start"] < seen[1]["start"]
    assert all(shot["width"] > 0 for shot in seen)
    preview_time = figure.locator("[data-player-preview-time]").inner_text()
    assert preview_time.startswith("0:1")  # 90 % of 12 s
    # The sheet the thumbnails point at is really served.
    sheet = seen[0]["image"].split('"')[1]
    assert page.request.get(sheet).status == 200

    download = figure.locator("a.media-player__download")
    assert download.is_visible() and download.inner_text() == "下载视频"
    assert download.get_attribute("download") == "十二秒样片.mp4"
    answer = page.request.get(live_server.url + download.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "video/mp4"

    # Keyboard: → seeks forward 5 s from the scrub bar.
    scrub.focus()
    page.keyboard.press("ArrowRight")
    wait_until(figure, "f => f.querySelector('video').currentTime >= 4.9")
    assert scrub.get_attribute("aria-valuenow") == "5"


def test_long_programmes_resume_where_the_viewer_stopped(
    live_server, page, episode_path, monkeypatch
):
    # "Long" is ten minutes; the 12 s clip counts as long for this test.
    monkeypatch.setattr("media_pipeline.player.REMEMBER_POSITION_AFTER_SECONDS", 5)
    page.goto(live_server.url + episode_path)
    figure = ready(page)
    assert figure.get_attribute("data-remember-position") is not None
    figure.locator("video").evaluate(
        "v => new Promise(done => { v.addEventListener('seeked', () => { v.pause();"
        " done(); }, {once: true}); v.currentTime = 6.2; })"
    )
    stored = page.evaluate("() => ({...localStorage})")
    assert list(stored.values()) == ["6"], stored

    page.reload()
    figure = ready(page)
    wait_until(figure, "f => f.dataset.resumedAt === '6'")
    assert abs(figure.locator("video").evaluate("v => v.currentTime") - 6) < 0.5
    resume = figure.locator("[data-player-resume]")
    assert resume.is_visible() and "0:06" in resume.inner_text()

    resume.get_by_role("button", name="从头播放").click()
    assert figure.locator("video").evaluate("v => v.currentTime") < 0.5
    assert page.evaluate("() => Object.keys(localStorage).length") == 0


def test_short_programmes_do_not_remember(live_server, page, episode_path):
    page.goto(live_server.url + episode_path)
    figure = ready(page)
    assert figure.get_attribute("data-remember-position") is None
    figure.locator("video").evaluate(
        "v => new Promise(done => { v.addEventListener('seeked', () => { v.pause();"
        " done(); }, {once: true}); v.currentTime = 6.2; })"
    )
    assert page.evaluate("() => Object.keys(localStorage).length") == 0


def test_without_javascript_the_mp4_plays_natively(live_server, browser, episode_path):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(live_server.url + episode_path)
        figure = page.locator("figure[data-media-player]")
        # The enhanced bar stays hidden; the native controls and download remain.
        assert not figure.locator("[data-player-bar]").is_visible()
        assert figure.locator("video[controls]").is_visible()
        assert figure.locator("a.media-player__download").is_visible()
        # player.js never ran: the browser plays the <source> MP4 itself.
        video = figure.locator("video")
        assert video.get_attribute("data-player") is None
        video.evaluate("v => { v.muted = true; return v.play(); }")
        wait_until(video, "v => v.currentTime > 0.3 && !v.error")
        assert video.evaluate("v => v.currentSrc").endswith(".mp4")
    finally:
        context.close()
