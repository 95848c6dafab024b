"""Every kind of unusable file is refused with a reason a producer reads; the
asset keeps its original and shows failed; nothing crashes."""

import io
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from media_pipeline.models import AssetStatus, JobStatus, MediaAsset

from .media import ffmpeg, make_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def refused(path: Path) -> MediaAsset:
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("ingest", str(path), "--wait", stdout=out)
    asset = MediaAsset.objects.get(pk=int(out.getvalue().split()[-1]))
    assert asset.status == AssetStatus.FAILED
    assert asset.failure_reason and asset.failure_reason in str(error.value)
    assert asset.jobs.get().status == JobStatus.FAILED
    # The original is kept, byte for byte, so a producer can look at it.
    with asset.original.open("rb") as stored:
        assert stored.read() == path.read_bytes()
    assert not asset.renditions.exists()
    return asset


def test_a_text_file_is_not_media(media_root, tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("这不是视频，只是一段文字。" * 50)
    assert "无法识别" in refused(path).failure_reason


def test_an_empty_file_is_refused(media_root, tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    assert "空的" in refused(path).failure_reason


def test_a_truncated_file_is_refused(media_root, tmp_path):
    whole = make_video(tmp_path / "whole.mp4", width=320, height=240, seconds=3)
    path = tmp_path / "cut.mp4"
    # MP4 written without faststart keeps its index at the end: cut it off.
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    reason = refused(path).failure_reason
    assert "无法识别" in reason or "损坏" in reason


def test_a_file_without_audio_or_video_is_refused(media_root, tmp_path):
    subtitles = tmp_path / "subs.srt"
    subtitles.write_text("1\n00:00:00,000 --> 00:00:02,000\n你好\n", encoding="utf-8")
    path = tmp_path / "subtitles-only.mkv"
    ffmpeg("-i", str(subtitles), "-c:s", "srt", str(path))
    assert "没有视频或音频流" in refused(path).failure_reason


def test_an_unsupported_codec_is_refused(media_root, tmp_path):
    path = tmp_path / "ffv1.mkv"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2",
        "-c:v", "ffv1", str(path),
    )  # fmt: skip
    assert "不支持的视频编码" in refused(path).failure_reason


def test_too_long_is_refused(media_root, tmp_path, settings):
    settings.MEDIA_MAX_DURATION_SECONDS = 2
    path = make_video(tmp_path / "long.mp4", width=320, height=240, seconds=4)
    assert "超过上限" in refused(path).failure_reason


def test_too_large_a_picture_is_refused(media_root, tmp_path, settings):
    settings.MEDIA_MAX_WIDTH = settings.MEDIA_MAX_HEIGHT = 400
    path = make_video(tmp_path / "big.mp4", width=640, height=360, seconds=2)
    assert "超过上限" in refused(path).failure_reason


def test_a_playlist_dressed_up_as_a_video_is_refused(media_root, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("server secret")
    path = tmp_path / "holiday.mp4"
    path.write_text(
        f"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\n{secret}\n#EXT-X-ENDLIST\n"
    )
    assert "播放列表" in refused(path).failure_reason


def test_a_playlist_hidden_in_an_avi_never_reads_local_files(tmp_path):
    """The CVE-2016-1897 shape: our probe refuses the indirection outright."""
    from media_pipeline import ffmpeg as wrapper
    from media_pipeline.errors import PermanentMediaError

    playlist = tmp_path / "x.m3u8"
    playlist.write_text(f"#EXTM3U\n#EXTINF:1,\nfile://{tmp_path / 'secret'}\n")
    with pytest.raises(PermanentMediaError):
        wrapper.probe(playlist)
    for bad in ("concat:a.mp4|b.mp4", "subfile:,,start,0,end,0,,:x", "http://x/y"):
        with pytest.raises(PermanentMediaError):
            wrapper.safe_input(bad)


def test_the_refusal_shows_in_the_admin_without_error(
    media_root, tmp_path, client, superuser
):
    path = tmp_path / "notes.mp4"
    path.write_text("not media")
    asset = refused(path)
    client.force_login(superuser)
    response = client.get(asset.get_admin_url())
    assert response.status_code == 200
    assert asset.failure_reason in response.content.decode()


def test_ffprobe_is_never_given_network_protocols(tmp_path, monkeypatch):
    """Spy on the command line: file only, demuxers pinned to an allow-list."""
    from media_pipeline import ffmpeg as wrapper

    seen = []
    real_popen = subprocess.Popen

    def spy(command, *args, **kwargs):
        seen.append(command)
        return real_popen(command, *args, **kwargs)

    monkeypatch.setattr(wrapper.subprocess, "Popen", spy)
    path = make_video(tmp_path / "c.mp4", width=160, height=120, seconds=1)
    wrapper.probe(path)
    command = seen[-1]
    assert command[command.index("-protocol_whitelist") + 1] == "file"
    allowed = command[command.index("-format_whitelist") + 1].split(",")
    assert "hls" not in allowed and "concat" not in allowed
