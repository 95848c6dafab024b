"""The vendored hls.js and our player.js, in real Chromium.

The HLS stream is made with ffmpeg: a master playlist, one variant of 1 s
segments, and the MP4 fallback, like the pipeline's ladder in miniature.
"""

import subprocess
from pathlib import Path

import pytest

VIDEO_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>播放器</title></head>
<body>
<video id="player" controls muted playsinline preload="auto"
       data-hls-src="{hls}" data-mp4-src="/media/demo/video.mp4"></video>
<script src="{hls_js}"></script>
<script src="{player_js}"></script>
</body></html>
"""


@pytest.fixture(scope="session")
def hls_stream(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hls")
    common = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
    source = [
        *("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25"),
        *("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"),
        *("-t", "3", "-c:v", "libx264", "-preset", "ultrafast"),
        *("-pix_fmt", "yuv420p", "-g", "25", "-c:a", "aac", "-b:a", "64k"),
    ]
    subprocess.run(
        [
            *common,
            *source,
            *("-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod"),
            *("-master_pl_name", "master.m3u8"),
            *("-hls_segment_filename", str(folder / "v0_%03d.ts")),
            str(folder / "v0.m3u8"),
        ],
        check=True,
        timeout=120,
    )
    subprocess.run(
        [*common, *source, "-movflags", "+faststart", str(folder / "video.mp4")],
        check=True,
        timeout=120,
    )
    return folder


def serve_stream(site, folder: Path) -> None:
    types = {
        ".m3u8": "application/vnd.apple.mpegurl",
        ".ts": "video/mp2t",
        ".mp4": "video/mp4",
    }
    for file in folder.iterdir():
        site.add_file(f"/media/demo/{file.name}", file, types[file.suffix])


def open_player(site, page, hls_url: str) -> None:
    url = site.add_page(
        "/video/",
        VIDEO_PAGE.format(
            hls=hls_url,
            hls_js=site.add_static("vendor/hls.js/hls.min.js"),
            player_js=site.add_static("media_pipeline/js/player.js"),
        ),
    )
    page.goto(url)


def test_hls_js_plays_the_ladder_through_player_js(site, page, hls_stream):
    serve_stream(site, hls_stream)
    open_player(site, page, "/media/demo/master.m3u8")

    assert page.evaluate("typeof Hls === 'function' && Hls.isSupported()")
    page.wait_for_function("document.getElementById('player').dataset.player")
    assert page.eval_on_selector("#player", "v => v.dataset.player") == "hls"

    # hls.js fed Media Source: the video has frames and plays on.
    page.eval_on_selector("#player", "v => v.play()")
    page.wait_for_function(
        "() => { const v = document.getElementById('player');"
        " return v.readyState >= 3 && v.currentTime > 0.5; }"
    )
    player = page.eval_on_selector(
        "#player",
        "v => ({player: v.dataset.player, src: v.currentSrc,"
        " width: v.videoWidth, height: v.videoHeight})",
    )
    assert player["player"] == "hls"
    assert player["src"].startswith("blob:")
    assert (player["width"], player["height"]) == (320, 180)
    requested = {request.url.rsplit("/", 1)[-1] for request in site.requests}
    assert {"master.m3u8", "v0.m3u8", "v0_000.ts"} <= requested
    assert "video.mp4" not in requested


def test_a_fatal_hls_error_falls_back_to_the_mp4(site, page, hls_stream):
    serve_stream(site, hls_stream)
    # The master playlist is missing: hls.js gives up (a fatal network error).
    open_player(site, page, "/media/demo/missing.m3u8")

    page.wait_for_function("document.getElementById('player').dataset.player === 'mp4'")
    page.wait_for_function(
        "() => { const v = document.getElementById('player');"
        " return v.readyState >= 1 && v.currentSrc.endsWith('/media/demo/video.mp4'); }"
    )
    assert page.eval_on_selector("#player", "v => v.duration") == pytest.approx(
        3, abs=0.2
    )
