"""A chunked transcode gives what the single pass gives.

One ~30 s source goes through the single pass and, with
MEDIA_CHUNK_MIN_SECONDS=0 and MEDIA_CHUNK_SECONDS=12, through the chunked
path in this process (``ingest --wait``'s way: chunks in sequence, then the
assembly). Both are published by the pipeline, then compared with ffprobe,
ffmpeg's decoders and ebur128, not with the pipeline's own readers.
"""

import hashlib
import shutil
import subprocess
from pathlib import Path

import m3u8
import pytest
from django.core.files.storage import default_storage
from django.test import override_settings

from media_pipeline.models import (
    AssetStatus,
    ChunkPart,
    ChunkStatus,
    JobStatus,
    MediaAsset,
    RenditionKind,
    TranscodeChunk,
    TranscodeJob,
    TranscodeProfile,
)
from media_pipeline.pipeline import job_run
from media_pipeline.services.ingest import asset_ingest
from media_pipeline.services.jobs import job_request

from .media import (
    integrated_loudness,
    keyframe_times,
    make_video,
    probe_streams,
    top_level_boxes,
)

SOURCE_SECONDS = 30
FPS = 30
CHUNKED = {"MEDIA_CHUNK_MIN_SECONDS": 0, "MEDIA_CHUNK_SECONDS": 12}
SINGLE = {"MEDIA_CHUNK_MIN_SECONDS": 10**6}


def fetch_folder(master_name: str, into: Path) -> Path:
    """Every file the job published next to its master playlist."""
    prefix = master_name.rsplit("/", 2)[0]
    into.mkdir(parents=True)
    for rendition_folder, files in _walk(prefix):
        for name in files:
            stored = f"{rendition_folder}/{name}"
            local = into / stored[len(prefix) + 1 :]
            local.parent.mkdir(parents=True, exist_ok=True)
            with default_storage.open(stored, "rb") as source, open(local, "wb") as out:
                shutil.copyfileobj(source, out)
    return into


def _walk(prefix: str):
    folders, files = default_storage.listdir(prefix)
    yield prefix, files
    for folder in folders:
        yield from _walk(f"{prefix}/{folder}")


def joined(folder: Path, playlist_path: Path, into: Path) -> Path:
    """A variant as a player reads it: its init section, then its segments."""
    playlist = m3u8.load(str(playlist_path))
    with open(into, "wb") as out:
        for name in [playlist.segment_map[0].uri] + [s.uri for s in playlist.segments]:
            out.write((playlist_path.parent / name).read_bytes())
    return into


def decoded_audio_sha256(path: Path) -> str:
    pcm = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a:0", "-f", "s16le", "-"],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    return hashlib.sha256(pcm).hexdigest()


def frame_count(path: Path) -> int:
    stream = probe_streams(path, "-count_frames", "-select_streams", "v:0")
    return int(stream["streams"][0]["nb_read_frames"])


@pytest.fixture(scope="module")
def both_paths(django_db_setup, django_db_blocker, tmp_path_factory):
    """The same source published by the single pass and by the chunked path
    (a second profile with the same settings, so a second job)."""
    work = tmp_path_factory.mktemp("chunked")
    source = make_video(
        work / "programme.mp4", width=854, height=480, seconds=SOURCE_SECONDS, fps=FPS
    )
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(work / "media")),
    ):
        with override_settings(**SINGLE):
            asset = asset_ingest(path=source, title="单遍", wait=True)
        assert asset.status == AssetStatus.READY, asset.failure_reason
        single_job = asset.published_job
        standard = single_job.profile
        twin = TranscodeProfile.objects.create(
            name="分段", slug="chunked-twin", ladder=standard.ladder
        )
        with override_settings(**CHUNKED):
            chunked_job = job_request(asset=asset, profile=twin, dispatch=False)
            outcome = job_run(job_id=chunked_job.pk, worker="tests", in_process=True)
        chunked_job.refresh_from_db()
        assert outcome == "succeeded", chunked_job.failure_reason
        names = {}
        for label, job in (("single", single_job), ("chunked", chunked_job)):
            master = job.renditions.get(kind=RenditionKind.HLS_MASTER)
            names[label] = fetch_folder(master.name, work / label)
        chunks = list(
            TranscodeChunk.objects.filter(job=chunked_job).values_list(
                "part", "index", "status", "start"
            )
        )
        renditions = {
            label: sorted(job.renditions.values_list("kind", flat=True))
            for label, job in (("single", single_job), ("chunked", chunked_job))
        }
        yield {
            "source": source,
            "single": names["single"],
            "chunked": names["chunked"],
            "chunks": chunks,
            "renditions": renditions,
            "work": work,
        }
        MediaAsset.objects.filter(pk=asset.pk).delete()
        twin.delete()


RUNGS = ("480p", "360p")


def test_the_programme_was_planned_in_segment_aligned_chunks(both_paths):
    video = sorted(
        (index, start, status)
        for part, index, status, start in both_paths["chunks"]
        if part == ChunkPart.VIDEO
    )
    assert video == [
        (0, 0.0, ChunkStatus.SUCCEEDED),
        (1, 12.0, ChunkStatus.SUCCEEDED),
        (2, 24.0, ChunkStatus.SUCCEEDED),
    ]
    others = {(part, status) for part, _i, status, _s in both_paths["chunks"]}
    assert (ChunkPart.AUDIO, ChunkStatus.SUCCEEDED) in others
    assert (ChunkPart.STILLS, ChunkStatus.SUCCEEDED) in others
    # The same kinds of renditions, as many of each.
    assert both_paths["renditions"]["chunked"] == both_paths["renditions"]["single"]


@pytest.mark.parametrize("rung", RUNGS)
def test_init_segments_and_segment_durations_are_the_single_pass_ones(both_paths, rung):
    single, chunked = both_paths["single"], both_paths["chunked"]
    single_list = m3u8.load(str(single / "hls" / rung / "index.m3u8"))
    chunked_list = m3u8.load(str(chunked / "hls" / rung / "index.m3u8"))
    init = single_list.segment_map[0].uri
    assert chunked_list.segment_map[0].uri == init
    assert (chunked / "hls" / rung / init).read_bytes() == (
        single / "hls" / rung / init
    ).read_bytes()
    assert [s.duration for s in chunked_list.segments] == [
        s.duration for s in single_list.segments
    ]
    assert chunked_list.target_duration == single_list.target_duration


@pytest.mark.parametrize("rung", RUNGS)
def test_an_idr_every_two_seconds_across_the_joins(both_paths, rung):
    work = both_paths["work"]
    chunked = both_paths["chunked"] / "hls" / rung
    times = keyframe_times(
        joined(chunked, chunked / "index.m3u8", work / f"keys-{rung}.mp4")
    )
    single = both_paths["single"] / "hls" / rung
    assert times == keyframe_times(
        joined(single, single / "index.m3u8", work / f"keys-single-{rung}.mp4")
    )
    gaps = {round(b - a, 3) for a, b in zip(times, times[1:], strict=False)}
    assert gaps == {2.0}, times
    assert len(times) == SOURCE_SECONDS // 2


@pytest.mark.parametrize("rung", RUNGS)
def test_frame_timestamps_run_on_without_gap_or_overlap(both_paths, rung):
    work = both_paths["work"]
    chunked = both_paths["chunked"] / "hls" / rung
    path = joined(chunked, chunked / "index.m3u8", work / f"times-{rung}.mp4")
    output = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "packet=dts",
            "-of",
            "csv=p=0",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    dts = [int(line) for line in output.split()]
    steps = {b - a for a, b in zip(dts, dts[1:], strict=False)}
    assert len(steps) == 1, steps  # one frame's duration, everywhere
    assert len(dts) == SOURCE_SECONDS * FPS


def test_the_audio_is_the_single_pass_audio(both_paths):
    work = both_paths["work"]
    tracks = {}
    for label in ("single", "chunked"):
        folder = both_paths[label] / "hls" / "audio"
        tracks[label] = joined(folder, folder / "index.m3u8", work / f"{label}-a.mp4")
    assert decoded_audio_sha256(tracks["chunked"]) == decoded_audio_sha256(
        tracks["single"]
    )
    assert (
        abs(
            integrated_loudness(tracks["chunked"])
            - integrated_loudness(tracks["single"])
        )
        <= 0.5
    )
    assert abs(integrated_loudness(tracks["chunked"]) - (-24.0)) <= 1.0


def test_the_download_has_every_frame_and_starts_fast(both_paths):
    download = both_paths["chunked"] / "download.mp4"
    assert frame_count(download) == frame_count(both_paths["source"])
    boxes = top_level_boxes(download)
    assert boxes.index("moov") < boxes.index("mdat"), boxes
    streams = {s["codec_type"]: s for s in probe_streams(download)["streams"]}
    assert set(streams) == {"video", "audio"}
    assert (streams["video"]["width"], streams["video"]["height"]) == (854, 480)
    assert (
        abs(
            integrated_loudness(download)
            - integrated_loudness(both_paths["single"] / "download.mp4")
        )
        <= 0.5
    )


def test_the_master_playlist_lists_the_same_variants(both_paths):
    single = m3u8.load(str(both_paths["single"] / "hls" / "master.m3u8"))
    chunked = m3u8.load(str(both_paths["chunked"] / "hls" / "master.m3u8"))
    assert [
        (p.uri, p.stream_info.resolution, p.stream_info.codecs)
        for p in chunked.playlists
    ] == [
        (p.uri, p.stream_info.resolution, p.stream_info.codecs)
        for p in single.playlists
    ]
    thumbs = sorted(p.name for p in (both_paths["chunked"] / "thumbs").iterdir())
    assert thumbs == sorted(p.name for p in (both_paths["single"] / "thumbs").iterdir())
    assert (both_paths["chunked"] / "poster.jpg").is_file()
    assert not (both_paths["chunked"] / "parts").exists()


@pytest.mark.django_db
def test_a_short_source_keeps_the_single_pass(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MEDIA_CHUNK_MIN_SECONDS = 600
    source = make_video(tmp_path / "short.mp4", width=320, height=240, seconds=3)
    asset = asset_ingest(path=source, title="短片", wait=True)
    assert asset.status == AssetStatus.READY, asset.failure_reason
    job = TranscodeJob.objects.get(asset=asset)
    assert job.status == JobStatus.SUCCEEDED
    assert not TranscodeChunk.objects.filter(job=job).exists()
