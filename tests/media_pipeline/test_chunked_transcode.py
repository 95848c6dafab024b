"""A chunked transcode gives what the single pass gives.

One ~30 s source goes through the single pass and, with
MEDIA_CHUNK_MIN_SECONDS=0 and MEDIA_CHUNK_SECONDS=12, through the chunked
path in this process (``ingest --wait``'s way: chunks in sequence, then the
assembly). Both are published by the pipeline, then compared with ffprobe,
ffmpeg's decoders and ebur128, not with the pipeline's own readers.
"""

import copy
import hashlib
import shutil
import subprocess
from pathlib import Path

import m3u8
import pytest
from django.core.files.storage import default_storage
from django.test import override_settings

from media_pipeline.chunking import AssemblyRefused, assemble, check_parts
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
from media_pipeline.pipeline import job_run, part_plan
from media_pipeline.services.assets import asset_create_from_upload
from media_pipeline.services.chunks import chunk_manifests
from media_pipeline.services.ingest import asset_ingest
from media_pipeline.services.jobs import job_request

from .media import (
    integrated_loudness,
    keyframe_times,
    make_video,
    probe_streams,
    top_level_boxes,
)

# In the database tests' group, so the shared encodes run before any
# transactional test flushes the demo content they build on.
pytestmark = pytest.mark.django_db

SOURCE_SECONDS = 30
FPS = 30
CHUNKED = {"MEDIA_CHUNK_MIN_SECONDS": 0, "MEDIA_CHUNK_SECONDS": 12}
SINGLE = {"MEDIA_CHUNK_MIN_SECONDS": 10**6}
#: 30 s in chunks of 12 s: 0-12, 12-24, 24-30.
CHUNKS = 3


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


#: Two small rungs, so the joins are checked on more than one rung and the
#: download is the right one of them, at a CI's cost.
SMALL_LADDER = [
    {"height": 240, "video_kbps": 400, "max_fps": 30},
    {"height": 180, "video_kbps": 200, "max_fps": 30},
]


def run_in_process(asset, profile) -> TranscodeJob:
    job = job_request(asset=asset, profile=profile, dispatch=False)
    outcome = job_run(job_id=job.pk, worker="tests", in_process=True)
    job.refresh_from_db()
    assert outcome == "succeeded", job.failure_reason
    return job


@pytest.fixture(scope="module")
def both_paths(django_db_setup, django_db_blocker, tmp_path_factory):
    """The same source published by the single pass and by the chunked path
    (two profiles with the same settings, so two jobs of one asset)."""
    work = tmp_path_factory.mktemp("chunked")
    source = make_video(
        work / "programme.mp4", width=320, height=240, seconds=SOURCE_SECONDS, fps=FPS
    )
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(work / "media")),
    ):
        asset = asset_create_from_upload(
            staged_path=source, filename=source.name, start_processing=False
        )
        profiles = [
            TranscodeProfile.objects.create(
                name=name, slug=slug, ladder=SMALL_LADDER, download_height=240
            )
            for name, slug in (("单遍", "single-pass"), ("分段", "chunked-twin"))
        ]
        with override_settings(**SINGLE):
            single_job = run_in_process(asset, profiles[0])
        with override_settings(**CHUNKED):
            chunked_job = run_in_process(asset, profiles[1])
        names = {}
        for label, job in (("single", single_job), ("chunked", chunked_job)):
            master = job.renditions.get(kind=RenditionKind.HLS_MASTER)
            names[label] = fetch_folder(master.name, work / label)
        chunks = list(
            TranscodeChunk.objects.filter(job=chunked_job).values_list(
                "part", "index", "status", "start"
            )
        )
        audio = TranscodeChunk.objects.select_related("job__asset", "job__profile").get(
            job=chunked_job, part=ChunkPart.AUDIO
        )
        plan = part_plan(audio)
        manifests = chunk_manifests(job=chunked_job)
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
            "plan": plan,
            "manifests": manifests,
            "work": work,
        }
        MediaAsset.objects.filter(pk=asset.pk).delete()
        TranscodeProfile.objects.filter(pk__in=[p.pk for p in profiles]).delete()


RUNGS = ("240p", "180p")


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
    assert (streams["video"]["width"], streams["video"]["height"]) == (320, 240)
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


def test_a_short_source_keeps_the_single_pass(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MEDIA_CHUNK_MIN_SECONDS = 600
    source = make_video(tmp_path / "short.mp4", width=320, height=240, seconds=3)
    asset = asset_ingest(path=source, title="短片", wait=True)
    assert asset.status == AssetStatus.READY, asset.failure_reason
    job = TranscodeJob.objects.get(asset=asset)
    assert job.status == JobStatus.SUCCEEDED
    assert not TranscodeChunk.objects.filter(job=job).exists()


def videos(manifests: list[dict]) -> list[dict]:
    return [m for m in manifests if m["part"] == "video"]


def refusal(plan, manifests) -> str:
    with pytest.raises(AssemblyRefused) as refused:
        check_parts(plan, manifests, CHUNKS)
    return refused.value.reason


def test_the_parts_as_made_pass_the_assembly_checks(both_paths):
    check_parts(both_paths["plan"], copy.deepcopy(both_paths["manifests"]), CHUNKS)


def test_assembly_refuses_a_missing_chunk_and_writes_nothing(both_paths, tmp_path):
    plan, manifests = both_paths["plan"], copy.deepcopy(both_paths["manifests"])
    manifests.remove(next(m for m in videos(manifests) if m["index"] == 1))
    assert refusal(plan, manifests) == "缺少第 2 段视频（共 3 段），无法拼接。"
    with pytest.raises(AssemblyRefused):
        assemble(plan=plan, manifests=manifests, chunk_count=CHUNKS, out=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_assembly_refuses_a_duplicated_chunk(both_paths):
    plan, manifests = both_paths["plan"], copy.deepcopy(both_paths["manifests"])
    manifests.append(copy.deepcopy(videos(manifests)[-1]))
    assert refusal(plan, manifests) == "第 3 段视频出现了 2 次，无法拼接。"


def test_assembly_refuses_a_chunk_from_another_ffmpeg_build(both_paths):
    plan, manifests = both_paths["plan"], copy.deepcopy(both_paths["manifests"])
    first = videos(manifests)[0]["ffmpeg"]
    videos(manifests)[1]["ffmpeg"] = "ffmpeg version 7.1 (0123456789ab)"
    assert refusal(plan, manifests) == (
        "第 2 段视频由另一个 FFmpeg 版本转码（ffmpeg version 7.1 (0123456789ab)），"
        f"与第 1 段（{first}）不一致，拼接后画面或声音会不连贯，已拒绝。"
    )


def test_assembly_refuses_fragment_times_that_do_not_run_on(both_paths):
    plan, manifests = both_paths["plan"], copy.deepcopy(both_paths["manifests"])
    chunk = next(m for m in videos(manifests) if m["index"] == 2)
    segment = chunk["rungs"]["180p"]["segments"][0]
    segment["decode_time"] -= segment["length"] // 6  # one second too early
    assert refusal(plan, manifests) == (
        "180p 档 seg_00004.m4s 的时间不连续（在第 3 段，重叠 1.000 秒），无法拼接。"
    )


def test_assembly_refuses_audio_that_does_not_start_with_the_video(both_paths):
    plan, manifests = both_paths["plan"], copy.deepcopy(both_paths["manifests"])
    audio = next(m for m in manifests if m["part"] == "audio")
    audio["start_delay"] = 0
    assert refusal(plan, manifests) == (
        "音频与视频的起点没有对齐（相差 0.067 秒），无法拼接。"
    )


def test_the_stills_are_the_single_pass_ones_across_the_joins(both_paths):
    """Each chunk makes the stills of its own time range from the frames it
    decodes (the tiles at 12 s and 24 s come from the first frame of a
    chunk): on a constant-rate source they are the single pass's, byte for
    byte, and so is the sprite track."""
    single, chunked = both_paths["single"], both_paths["chunked"]
    for folder, pattern in (("thumbs", "*.jpg"), ("sprite", "*")):
        single_files = sorted(p.name for p in (single / folder).glob(pattern))
        assert single_files
        assert sorted(p.name for p in (chunked / folder).glob(pattern)) == single_files
        for name in single_files:
            assert (chunked / folder / name).read_bytes() == (
                single / folder / name
            ).read_bytes(), f"{folder}/{name}"
    assert (chunked / "poster.jpg").read_bytes() == (single / "poster.jpg").read_bytes()
