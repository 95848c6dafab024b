"""`ingest --wait` runs the whole pipeline; the outputs are checked with a
playlist parser, ffprobe and ebur128, not with the pipeline's own code."""

import io
import json
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import m3u8
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from media_pipeline.models import AssetStatus, MediaAsset, RenditionKind

from .media import (
    integrated_loudness,
    keyframe_times,
    make_audio,
    make_video,
    probe_streams,
    top_level_boxes,
)

pytestmark = pytest.mark.django_db

TARGET_LUFS = -24.0


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def ingest(path: Path, *args: str) -> MediaAsset:
    out = io.StringIO()
    with redirect_stdout(out):
        call_command("ingest", str(path), "--wait", *args, stdout=out)
    asset_id = int(out.getvalue().strip().splitlines()[-1])
    return MediaAsset.objects.get(pk=asset_id)


def fetch(name: str, destination: Path) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with default_storage.open(name, "rb") as source, open(destination, "wb") as out:
        shutil.copyfileobj(source, out)
    return destination


def stored_text(name: str) -> str:
    with default_storage.open(name, "rb") as stream:
        return stream.read().decode()


def check_variant(asset, variant_name: str, work: Path) -> list[float]:
    """Segments, keyframes and codec of one HLS variant; its keyframe times."""
    playlist = m3u8.loads(stored_text(variant_name))
    assert playlist.is_endlist and playlist.playlist_type == "vod"
    assert playlist.target_duration == 6
    durations = [segment.duration for segment in playlist.segments]
    assert all(d <= 6.5 for d in durations), durations
    assert all(abs(d - 6) < 0.05 for d in durations[:-1]), durations
    assert playlist.segment_map, "fMP4 segments need an initialisation section"
    folder = variant_name.rsplit("/", 1)[0]
    # Reassemble the variant as a player would: init section then segments.
    joined = work / folder.replace("/", "_")
    with open(joined, "wb") as out:
        for part in [playlist.segment_map[0].uri] + [s.uri for s in playlist.segments]:
            with default_storage.open(f"{folder}/{part}", "rb") as chunk:
                shutil.copyfileobj(chunk, out)
    video = probe_streams(joined, "-select_streams", "v")["streams"]
    if video:
        assert video[0]["codec_name"] == "h264"
        assert video[0]["profile"] == "High"
        assert video[0]["level"] <= 42
        assert video[0]["pix_fmt"] == "yuv420p"
        times = keyframe_times(joined)
        gaps = {round(b - a, 2) for a, b in zip(times, times[1:], strict=False)}
        assert gaps == {2.0}, times
        # Every segment starts on a keyframe.
        starts, elapsed = [], times[0]
        for d in durations:
            starts.append(round(elapsed, 2))
            elapsed += d
        assert set(starts) <= {round(t, 2) for t in times}
        return times
    return []


@pytest.mark.parametrize(
    ("width", "height", "expected_rungs"),
    [
        (1280, 720, [(1280, 720), (854, 480), (640, 360)]),
        (720, 1280, [(720, 1280), (480, 854), (360, 640)]),
    ],
    ids=["16:9", "9:16"],
)
def test_ingest_wait_makes_the_whole_ladder(
    media_root, tmp_path, width, height, expected_rungs
):
    source = make_video(tmp_path / "clip.mp4", width=width, height=height)
    asset = ingest(source, "--title", "测试片")

    assert asset.status == AssetStatus.READY, asset.failure_reason
    assert (asset.width, asset.height, asset.kind) == (width, height, "video")
    master_rendition = asset.rendition(RenditionKind.HLS_MASTER)
    master = m3u8.loads(stored_text(master_rendition.name))
    assert master.is_variant
    resolutions = [p.stream_info.resolution for p in master.playlists]
    # Never upscaled, aspect ratio kept, the source's own size on top.
    assert sorted(resolutions, reverse=True) == sorted(expected_rungs, reverse=True)
    for variant in master.playlists:
        info = variant.stream_info
        assert info.bandwidth > 0 and info.average_bandwidth > 0
        assert info.codecs == "avc1.64002a,mp4a.40.2"
        assert info.audio == "aac"
    audio_media = [m for m in master.media if m.type == "AUDIO"]
    assert len(audio_media) == 1 and audio_media[0].group_id == "aac"

    work = tmp_path / "check"
    work.mkdir()
    folder = master_rendition.name.rsplit("/", 1)[0]
    for variant in master.playlists:
        check_variant(asset, f"{folder}/{variant.uri}", work)
    audio_playlist = m3u8.loads(stored_text(f"{folder}/{audio_media[0].uri}"))
    assert audio_playlist.target_duration == 6

    mp4 = fetch(asset.rendition(RenditionKind.MP4).name, work / "download.mp4")
    boxes = top_level_boxes(mp4)
    assert boxes.index("moov") < boxes.index("mdat")
    streams = probe_streams(mp4)["streams"]
    assert {s["codec_type"] for s in streams} == {"video", "audio"}
    audio = next(s for s in streams if s["codec_type"] == "audio")
    assert (audio["codec_name"], audio["channels"], audio["sample_rate"]) == (
        "aac",
        2,
        "48000",
    )
    assert abs(integrated_loudness(mp4) - TARGET_LUFS) <= 1.0

    poster = asset.rendition(RenditionKind.POSTER)
    assert poster and poster.width and poster.height
    assert abs(poster.width / poster.height - width / height) < 0.02
    assert asset.renditions.filter(kind=RenditionKind.THUMBNAIL).count() >= 5
    sprite = asset.rendition(RenditionKind.SPRITE)
    track = stored_text(asset.rendition(RenditionKind.SPRITE_VTT).name)
    cues = [line for line in track.splitlines() if "#xywh=" in line]
    assert track.startswith("WEBVTT") and len(cues) == 13
    for cue in cues:
        x, y, w, h = map(int, cue.split("#xywh=")[1].split(","))
        assert x + w <= sprite.width and y + h <= sprite.height

    # The original is kept untouched, with its hash.
    with asset.original.open("rb") as stored:
        assert stored.read() == source.read_bytes()


def test_audio_is_measured_and_normalised(media_root, tmp_path):
    source = make_audio(tmp_path / "song.wav", gain_db=-8)
    asset = ingest(source)
    assert asset.status == AssetStatus.READY, asset.failure_reason
    assert asset.kind == "audio"
    # The original's loudness is stored: integrated, range and true peak.
    assert asset.loudness_integrated == pytest.approx(
        integrated_loudness(source), abs=0.5
    )
    assert asset.loudness_range is not None
    assert asset.loudness_true_peak is not None
    work = tmp_path / "check"
    for kind in (RenditionKind.M4A, RenditionKind.MP3):
        rendition = asset.rendition(kind)
        local = fetch(rendition.name, work / rendition.name.rsplit("/", 1)[1])
        assert abs(integrated_loudness(local) - TARGET_LUFS) <= 1.0, kind
    waveform = asset.rendition(RenditionKind.WAVEFORM)
    assert (waveform.width, waveform.height) == (1600, 240)
    master = m3u8.loads(stored_text(asset.rendition(RenditionKind.HLS_MASTER).name))
    assert [p.stream_info.codecs for p in master.playlists] == ["mp4a.40.2"]


def test_media_info_reports_everything(media_root, tmp_path):
    asset = ingest(make_video(tmp_path / "c.mp4", width=640, height=360, seconds=4))
    out = io.StringIO()
    call_command("media_info", str(asset.pk), "--json", stdout=out)
    info = json.loads(out.getvalue())
    assert info["status"] == "ready" and info["sha256"] == asset.sha256
    assert info["probe"]["width"] == 640 and info["probe"]["frame_rate"] == 30
    assert info["loudness"]["integrated_lufs"] is not None
    kinds = {r["kind"] for r in info["renditions"]}
    assert {"hls_master", "hls_variant", "mp4", "poster", "sprite"} <= kinds
    for rendition in info["renditions"]:
        assert rendition["url"].startswith(f"/media-files/{asset.key}/")
        assert rendition["size"] > 0


def test_same_file_twice_is_a_duplicate(media_root, tmp_path):
    source = make_video(tmp_path / "c.mp4", width=320, height=240, seconds=2)
    first = ingest(source)
    with pytest.raises(Exception, match="已有相同的文件") as error:
        ingest(source)
    assert str(first.pk) in str(error.value)
    assert MediaAsset.objects.filter(sha256=first.sha256).count() == 1
