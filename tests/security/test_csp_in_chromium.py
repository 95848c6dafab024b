"""The Content-Security-Policy in real Chromium: one pass over every public
page type (the player playing HLS through hls.js, its worker and blob: media
included) and the admin pages people use, signed in. Any
``securitypolicyviolation`` event, in any frame, or console error about the
policy fails the test, and every HTML document must carry the header.
"""

from urllib.parse import urlsplit

import pytest

from tests.conftest import make_user
from tests.media_pipeline.media import make_audio, make_video
from tests.support.page_waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Reports to Python from every frame, before any script of the page runs.
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', function (event) {
  window.__reportCspViolation({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
    document: document.location.href
  });
});
"""


def ready_assets(tmp_path):
    """A short video and song run through the real pipeline in this process
    (HLS ladder, MP4, poster, sprite; M4A, MP3, waveform)."""
    from media_pipeline.services.ingest import asset_ingest

    video = asset_ingest(
        path=make_video(tmp_path / "csp.mp4", width=320, height=180, seconds=3),
        title="CSP 测试视频",
        wait=True,
        worker="tests",
    )
    song = asset_ingest(
        path=make_audio(tmp_path / "csp.wav", seconds=3),
        title="CSP 测试音频",
        wait=True,
        worker="tests",
    )
    assert video.is_ready and song.is_ready
    return video, song


def public_pages(video, song) -> dict[str, str]:
    """One live page of every public type, the deliverable ones playing."""
    from brand_assets.models import BrandLibraryPage
    from cms.core.demo import demo_load
    from cms.home.models import HomePage
    from cms.music.models import MusicWorkIndexPage, MusicWorkPage
    from cms.programmes.models import EpisodePage, ProgramIndexPage, ProgramPage
    from cms.videos.models import ShortVideoPage, VideoIndexPage, VideoSeriesPage

    # See tests/browser/test_media_end_to_end.py: after a serialized rollback
    # the demo may be partly gone; the loader puts back what is missing.
    demo_load(with_media=False)
    pages = {}
    for model, asset in [(EpisodePage, video), (ShortVideoPage, video)]:
        page = model.objects.live().order_by("path").first()
        page.media_asset = asset
        page.save_revision().publish()
    music = MusicWorkPage.objects.live().order_by("path").first()
    music.media_asset = song
    music.save_revision().publish()
    for name, model in [
        ("home", HomePage),
        ("programme index", ProgramIndexPage),
        ("programme", ProgramPage),
        ("episode", EpisodePage),
        ("video index", VideoIndexPage),
        ("video series", VideoSeriesPage),
        ("short video", ShortVideoPage),
        ("music index", MusicWorkIndexPage),
        ("music", MusicWorkPage),
        ("brand", BrandLibraryPage),
    ]:
        page = model.objects.live().order_by("path").first()
        assert page is not None, f"the demo has no live {name} page"
        pages[name] = page.get_url_parts()[2]
    return pages


def play(page, selector: str = "figure.media-player video") -> None:
    """Start the player muted and wait for it to get past half a second."""
    player = page.locator(selector)
    if selector.endswith("video"):
        wait_until(player, "v => Boolean(v.dataset.player)")
        assert player.get_attribute("data-player") == "hls"
    player.evaluate("v => { v.muted = true; return v.play(); }")
    wait_until(player, "v => v.currentTime > 0.5")
    if selector.endswith("video"):
        assert player.evaluate("v => v.currentSrc").startswith("blob:")


def test_no_page_violates_the_policy(live_server, page, tmp_path):
    from cms.programmes.models import EpisodePage

    base = live_server.url
    video, song = ready_assets(tmp_path)
    pages = public_pages(video, song)
    make_user("csp-admin", superuser=True)
    episode = EpisodePage.objects.live().order_by("path").first()

    violations: list[dict] = []
    console: list[str] = []
    documents: dict[str, str | None] = {}
    page.context.expose_binding(
        "__reportCspViolation", lambda _source, report: violations.append(report)
    )
    page.context.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            console.append(f"{page.url}: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            documents.__setitem__(
                response.url, response.headers.get("content-security-policy")
            )
            if response.request.resource_type == "document"
            and response.url.startswith(base)
            else None
        ),
    )

    def visit(path: str) -> None:
        response = page.goto(base + path)
        assert response.ok, f"{path}: {response.status}"
        page.wait_for_load_state("networkidle")

    # The public site, as the public sees it.
    for name, path in pages.items():
        visit(path)
        if name in {"episode", "short video"}:
            play(page)
        if name == "music":
            play(page, "figure.media-player audio")

    # The admin, signed in through its login form.
    visit("/admin/login/")
    form = page.locator("form").filter(has=page.locator("input[name=password]"))
    form.locator("input[name=username]").fill("csp-admin")
    form.locator("input[name=password]").fill("pw")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/admin/")
    page.wait_for_load_state("networkidle")
    for path in [
        f"/admin/pages/{episode.get_parent().pk}/",
        f"/admin/pages/{episode.pk}/edit/",
        "/admin/media/",
        "/admin/media/upload/",
        f"/admin/media/inspect/{video.pk}/",
        "/admin/images/",
        "/admin/documents/",
    ]:
        visit(path)
    # The editor's side panels: the live preview runs in an iframe.
    page.goto(f"{base}/admin/pages/{episode.pk}/edit/")
    preview = page.locator("button[data-side-panel-toggle='preview']")
    if preview.count():
        preview.click()
        page.locator("iframe[id='w-preview-iframe']").wait_for()
        page.wait_for_load_state("networkidle")
    # A public page with Wagtail's user bar, as editors see it.
    visit(pages["episode"])
    play(page)
    page.locator("wagtail-userbar").wait_for(state="attached")

    assert not violations, "\n".join(map(str, violations))
    assert not console, console
    missing = [url for url, header in documents.items() if not header]
    assert not missing, f"HTML documents without the CSP header: {missing}"
    paths = {urlsplit(url).path for url in documents}
    assert set(pages.values()) <= paths
    assert "/admin/media/upload/" in paths
