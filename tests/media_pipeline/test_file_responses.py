"""User-file responses (``media_pipeline.file_responses``): the hardening
headers, the disposition, conditional requests and single byte ranges, on the
filesystem storage. S3 redirects are covered where each app serves its files
(test_s3_storage, the brand and partner download tests)."""

from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import RequestFactory

from media_pipeline.file_responses import (
    NO_STORE,
    file_response,
    refusal_response,
)
from media_pipeline.playlists import rewrite_playlist

DATA = bytes(range(256)) * 1024  # 256 KiB, more than one streamed chunk
CSP = "default-src 'none'"


@pytest.fixture
def stored_name():
    name = default_storage.save("tests/file-responses/clip.mp4", ContentFile(DATA))
    yield name
    default_storage.delete(name)


def get(name: str, **headers):
    request = RequestFactory().get("/", headers=headers)
    return file_response(
        request,
        name,
        content_type="video/mp4",
        cache_control=NO_STORE,
        filename="鄂尔多斯古如歌.mp4",
        attachment=True,
        etag="abc123",
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def assert_hardened(response):
    assert response["Content-Security-Policy"] == CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == NO_STORE


def test_whole_file_announces_ranges_and_names_the_file(stored_name):
    response = get(stored_name)
    assert response.status_code == 200
    assert body(response) == DATA
    assert response["Content-Length"] == str(len(DATA))
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"] == '"abc123"'
    assert response["Content-Disposition"] == (
        "attachment; filename=\"_______.mp4\"; filename*=UTF-8''"
        "%E9%84%82%E5%B0%94%E5%A4%9A%E6%96%AF%E5%8F%A4%E5%A6%82%E6%AD%8C.mp4"
    )
    assert_hardened(response)


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, len(DATA) - 1),
        ("bytes=-500", len(DATA) - 500, len(DATA) - 1),
        ("bytes=70000-70010", 70000, 70010),
        # A range running past the end is cut at the end.
        (f"bytes=100-{len(DATA) * 2}", 100, len(DATA) - 1),
        # A suffix longer than the file is the whole file.
        (f"bytes=-{len(DATA) * 2}", 0, len(DATA) - 1),
    ],
)
def test_a_single_range_answers_206_with_those_bytes(stored_name, header, first, last):
    response = get(stored_name, Range=header)
    assert response.status_code == 206
    assert body(response) == DATA[first : last + 1]
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(DATA)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert_hardened(response)


@pytest.mark.parametrize("header", [f"bytes={len(DATA)}-", "bytes=-0"])
def test_an_unsatisfiable_range_answers_416(stored_name, header):
    response = get(stored_name, Range=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"
    assert_hardened(response)


@pytest.mark.parametrize(
    "header", ["bytes=0-1,5-6", "items=0-10", "bytes=50-10", "bytes=-", "nonsense"]
)
def test_a_range_we_do_not_serve_gets_the_whole_file(stored_name, header):
    response = get(stored_name, Range=header)
    assert response.status_code == 200
    assert body(response) == DATA


def test_if_range_that_no_longer_matches_gets_the_whole_file(stored_name):
    stale = get(stored_name, Range="bytes=0-9", **{"If-Range": '"old"'})
    assert stale.status_code == 200
    assert body(stale) == DATA
    current = get(stored_name, Range="bytes=0-9", **{"If-Range": '"abc123"'})
    assert current.status_code == 206
    assert body(current) == DATA[:10]


def test_if_none_match_answers_304_without_a_body(stored_name):
    response = get(stored_name, **{"If-None-Match": '"abc123"'})
    assert response.status_code == 304
    assert response.content == b""
    assert_hardened(response)


def test_a_missing_file_is_404():
    from django.http import Http404

    with pytest.raises(Http404):
        get("tests/file-responses/not-there.mp4")


def test_a_refusal_is_hardened_json_with_its_reason():
    response = refusal_response(410, "下载链接已过期。")
    assert response.status_code == 410
    assert json.loads(response.content) == {"detail": "下载链接已过期。"}
    assert_hardened(response)


PLAYLIST = """#EXTM3U
#EXT-X-MAP:URI="init.mp4"
#EXTINF:6.0,
seg_000.m4s
#EXTINF:6.0,
../720p/seg_000.m4s
#EXTINF:6.0,
https://elsewhere.example/seg.m4s
"""


def test_playlist_references_resolve_against_its_folder():
    seen = []

    def url_for(target):
        seen.append(target)
        return None if target.startswith("720p/") else f"/f/{target}"

    text = rewrite_playlist(PLAYLIST, relative="1080p/index.m3u8", url_for=url_for)
    assert seen == ["1080p/init.mp4", "1080p/seg_000.m4s", "720p/seg_000.m4s"]
    assert '#EXT-X-MAP:URI="/f/1080p/init.mp4"' in text
    assert "/f/1080p/seg_000.m4s" in text
    # url_for refused it: the segment line is left out.
    assert "720p" not in text
    assert "https://elsewhere.example/seg.m4s" in text
    closed = rewrite_playlist(
        PLAYLIST, relative="1080p/index.m3u8", url_for=url_for, keep_external=False
    )
    assert "elsewhere" not in closed


def test_sprite_track_references_keep_their_fragment():
    track = "WEBVTT\n\n00:00.000 --> 00:02.000\nsprite_0.jpg#xywh=0,0,160,90\n"
    text = rewrite_playlist(
        track, relative="sprites.vtt", url_for=lambda target: f"/f/{target}"
    )
    assert "/f/sprite_0.jpg#xywh=0,0,160,90" in text
    assert "00:00.000 --> 00:02.000" in text
