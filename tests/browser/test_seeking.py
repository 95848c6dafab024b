"""Seeking in Chromium: the audio player and the MP4 fallback ask our file
view for byte ranges, get 206, and land where they were sent.

The media are made with ffmpeg (8 s, the moov atom first, as the pipeline
writes downloads) and published on live demo pages, so they are public and
served by ``/media-files/`` through the live server.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from media_pipeline.models import MediaKind
from tests.syndication.builders import build_asset

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SECONDS = 8
SEEK_TO = 6.0
FFMPEG = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]


@pytest.fixture(scope="module")
def media_files(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("seek")
    video, audio = folder / "download.mp4", folder / "audio.m4a"
    subprocess.run(
        [
            *FFMPEG,
            *("-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=25:d={SECONDS}"),
            *("-f", "lavfi", "-i", f"sine=frequency=440:d={SECONDS}"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
            *("-g", "25", "-c:a", "aac", "-b:a", "64k", "-shortest"),
            *("-movflags", "+faststart", str(video)),
        ],
        check=True,
        timeout=120,
    )
    subprocess.run(
        [
            *FFMPEG,
            *("-f", "lavfi", "-i", f"sine=frequency=440:d={SECONDS}"),
            *("-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", str(audio)),
        ],
        check=True,
        timeout=120,
    )
    return {"video": video.read_bytes(), "audio": audio.read_bytes()}


def live_page_with(model, asset):
    """A live demo page of ``model`` now playing ``asset``."""
    from cms.core.demo import demo_load

    demo_load(with_media=False)  # see test_media_end_to_end.an_episode
    page = model.objects.live().order_by("path").first()
    page.media_asset = asset
    page.save_revision().publish()
    return page


SEEK = """async ([selector, seekTo]) => {
  const media = document.querySelector(selector);
  media.muted = true;
  if (media.readyState < 1) {
    await new Promise(done => media.addEventListener('loadedmetadata', done,
                                                     {once: true}));
  }
  const seeked = new Promise(done => media.addEventListener('seeked', done,
                                                            {once: true}));
  media.currentTime = seekTo;
  await seeked;
  return {
    time: media.currentTime,
    duration: media.duration,
    seekableEnd: media.seekable.length ? media.seekable.end(0) : 0,
    error: media.error && media.error.code,
  };
}"""


def seek_on(page, base: str, page_url: str, selector: str) -> tuple[dict, list]:
    answers = []
    page.on(
        "response",
        lambda response: (
            answers.append((response.status, response.request.headers.get("range", "")))
            if "/media-files/" in response.url
            and response.url.endswith((".mp4", ".m4a"))
            else None
        ),
    )
    page.goto(base + page_url)
    return page.evaluate(SEEK, [selector, SEEK_TO]), answers


@pytest.mark.parametrize("kind", ["audio", "video"])
def test_players_seek_through_byte_ranges(
    kind, live_server, page, media_files, settings, tmp_path
):
    from cms.music.models import MusicWorkPage
    from cms.videos.models import ShortVideoPage

    settings.MEDIA_ROOT = str(tmp_path / "media")
    if kind == "audio":
        asset = build_asset(
            kind=MediaKind.AUDIO,
            duration=SECONDS,
            store_files=True,
            mp4_bytes=media_files["audio"],
        )
        model, selector = MusicWorkPage, "figure.media-player audio"
    else:
        # No HLS ladder: the player plays the MP4 natively, its fallback.
        asset = build_asset(
            width=320,
            height=180,
            duration=SECONDS,
            store_files=True,
            mp4_bytes=media_files["video"],
        )
        model, selector = ShortVideoPage, "figure.media-player video"
    site_page = live_page_with(model, asset)
    _site, _root, path = site_page.get_url_parts()

    result, answers = seek_on(page, live_server.url, path, selector)

    assert result["error"] is None
    assert abs(result["duration"] - SECONDS) < 0.5
    # Seekable to the end, not only what was downloaded, and landed there.
    assert result["seekableEnd"] >= SECONDS - 0.5
    assert abs(result["time"] - SEEK_TO) < 0.5
    assert answers, "the player fetched nothing from the file view"
    assert all(status in (200, 206) for status, _range in answers), answers
    assert any(status == 206 for status, _range in answers), answers
    assert any(header.startswith("bytes=") for _status, header in answers)
    page.screenshot(path=Path(tmp_path) / f"seek-{kind}.png")
