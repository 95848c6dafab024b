"""A chunked transcode plays end to end in hls.js in Chromium: the public
page's player runs through every join to the end without a media error or
a stall, as the single pass's ladder does."""

import pytest

from cms.videos.models import ShortVideoPage
from media_pipeline.models import AssetStatus, TranscodeChunk
from media_pipeline.services.ingest import asset_ingest
from tests.media_pipeline.media import make_video
from tests.support.page_waits import wait_until

from .test_seeking import live_page_with

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SECONDS = 30

PLAY_TO_THE_END = """async (video) => {
  video.muted = true;
  video.playbackRate = 8;
  const events = {stalled: 0, waiting: 0};
  video.addEventListener('stalled', () => events.stalled++);
  const ended = new Promise(done => video.addEventListener('ended', done,
                                                           {once: true}));
  await video.play();
  await ended;
  return {
    time: video.currentTime,
    duration: video.duration,
    error: video.error && video.error.code,
    player: video.dataset.player,
    stalled: events.stalled,
  };
}"""


def test_a_chunked_ladder_plays_to_the_end_in_hls_js(
    live_server, page, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MEDIA_CHUNK_MIN_SECONDS = 0
    settings.MEDIA_CHUNK_SECONDS = 12
    source = make_video(tmp_path / "chunked.mp4", width=320, height=240, seconds=30)
    asset = asset_ingest(path=source, title="分段转码样片", wait=True)
    assert asset.status == AssetStatus.READY, asset.failure_reason
    # Three chunks of video and the audio.
    assert TranscodeChunk.objects.filter(job=asset.published_job).count() == 4
    site_page = live_page_with(ShortVideoPage, asset)
    _site, _root, path = site_page.get_url_parts()

    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + path)
    video = page.locator("figure.media-player video")
    wait_until(video, "v => Boolean(v.dataset.player)")
    result = video.evaluate(PLAY_TO_THE_END)

    assert result["player"] == "hls"
    assert result["error"] is None
    assert abs(result["duration"] - SECONDS) < 0.2, result
    assert result["time"] >= SECONDS - 0.2, result
    assert not errors, errors
