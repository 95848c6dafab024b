"""Files that lie in their headers are judged by what decoding finds: a clip
that claims a few seconds and holds a minute, or whose pictures grow after
the first ones, is refused with a reason in Chinese, and nothing already in
the library is touched. A cancelled job stops its analysis pass at once."""

import hashlib
import io
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from media_pipeline import ffmpeg, pipeline
from media_pipeline.errors import PermanentMediaError
from media_pipeline.models import AssetStatus, JobPhase, JobStatus, MediaAsset
from media_pipeline.services import jobs
from media_pipeline.services.ingest import asset_ingest

from .media import ffmpeg as ffmpeg_cli
from .media import (
    make_audio,
    make_growing_resolution_ts,
    make_lying_duration_mkv,
    make_silent_audio,
    probe_streams,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def fingerprints(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def library(media_root, tmp_path):
    """One ready asset already in the library, and its stored files."""
    asset = asset_ingest(path=make_audio(tmp_path / "song.wav", seconds=2), wait=True)
    assert asset.status == AssetStatus.READY
    return asset, fingerprints(media_root)


def assert_library_unharmed(library, media_root: Path) -> None:
    asset, before = library
    asset.refresh_from_db()
    assert asset.status == AssetStatus.READY and asset.renditions.exists()
    after = fingerprints(media_root)
    assert {name: after.get(name) for name in before} == before


def refused(path: Path) -> MediaAsset:
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("ingest", str(path), "--wait", stdout=out)
    asset = MediaAsset.objects.get(pk=int(out.getvalue().split()[-1]))
    assert asset.status == AssetStatus.FAILED
    assert asset.failure_reason and asset.failure_reason in str(error.value)
    job = asset.jobs.get()
    # Permanent: not retried, whatever the attempts left.
    assert job.status == JobStatus.FAILED and job.attempts == 1
    with asset.original.open("rb") as stored:
        assert stored.read() == path.read_bytes()
    assert not asset.renditions.exists()
    return asset


def test_a_clip_longer_than_its_header_claims_is_refused(
    library, media_root, tmp_path, settings
):
    settings.MEDIA_MAX_DURATION_SECONDS = 20
    path = make_lying_duration_mkv(
        tmp_path / "lying.mkv", real_seconds=60, claimed_seconds=3
    )
    assert float(probe_streams(path)["format"]["duration"]) == 3.0

    asset = refused(path)

    # The loudness pass, the first to decode the sound, found the lie.
    assert "实际时长超过了文件头声明的时长" in asset.failure_reason
    assert asset.jobs.get().phase == JobPhase.WAITING
    assert_library_unharmed(library, media_root)


def test_a_silent_clip_longer_than_its_header_claims_is_stopped_in_the_transcode(
    library, media_root, tmp_path, settings, monkeypatch
):
    settings.MEDIA_MAX_DURATION_SECONDS = 20
    path = make_lying_duration_mkv(
        tmp_path / "lying.mkv", real_seconds=60, claimed_seconds=3, audio=False
    )
    decoded = []
    real_run = ffmpeg._run

    def spy(command, **kwargs):
        finished = None
        try:
            finished = real_run(command, **kwargs)
        finally:
            decoded.append((kwargs.get("decode_limit"), finished))
        return finished

    monkeypatch.setattr(ffmpeg, "_run", spy)

    asset = refused(path)

    assert "实际时长超过了文件头声明的时长" in asset.failure_reason
    # The transcode was given the limit (3 s and the 5 s margin) and stopped
    # there, instead of making a minute of renditions.
    limit, finished = decoded[-1]
    assert limit == pytest.approx(8.0) and finished is None
    assert_library_unharmed(library, media_root)


def test_the_asset_keeps_the_duration_that_was_decoded(media_root, tmp_path):
    path = make_lying_duration_mkv(
        tmp_path / "short.mkv", real_seconds=4, claimed_seconds=30
    )
    asset = asset_ingest(path=path, wait=True)

    assert asset.status == AssetStatus.READY, asset.failure_reason
    assert 3.5 <= asset.duration <= 4.5  # 4 s and the last audio frame
    download = asset.renditions.get(name__endswith="download.mp4")
    assert download.duration == pytest.approx(asset.duration)


def test_pictures_that_grow_mid_stream_are_refused(
    library, media_root, tmp_path, settings
):
    settings.MEDIA_MAX_PIXELS = 640 * 480
    path = make_growing_resolution_ts(
        tmp_path / "growing.ts", first=(320, 240), then=(1280, 720)
    )
    # Probing sees only the first, small pictures: within every limit.
    stream = probe_streams(path)["streams"][0]
    assert (stream["width"], stream["height"]) == (320, 240)

    asset = refused(path)

    assert "1280×720" in asset.failure_reason
    assert "像素的上限" in asset.failure_reason
    assert_library_unharmed(library, media_root)


def test_a_picture_over_the_pixel_limit_is_refused_from_the_probe(
    media_root, tmp_path, settings
):
    settings.MEDIA_MAX_PIXELS = 320 * 200
    path = make_growing_resolution_ts(
        tmp_path / "big.ts", first=(320, 240), then=(320, 240), seconds=1
    )
    assert "像素的上限" in refused(path).failure_reason


def test_a_cancelled_loudness_pass_ends_within_seconds(
    library, media_root, tmp_path, monkeypatch
):
    # An hour of sound: measuring it whole takes a minute or more here.
    path = make_silent_audio(tmp_path / "long.flac", seconds=3600)
    cancelled_at = []
    real_report = pipeline.job_report

    def cancel_while_measuring(*, job, phase, progress=None, eta_seconds=None):
        if phase == JobPhase.MEASURING and progress is not None and not cancelled_at:
            assert jobs.job_cancel(job=job)
            cancelled_at.append(time.monotonic())
        return real_report(
            job=job, phase=phase, progress=progress, eta_seconds=eta_seconds
        )

    monkeypatch.setattr(pipeline, "job_report", cancel_while_measuring)

    asset = asset_ingest(path=path, wait=True)
    ended = time.monotonic()

    assert cancelled_at, "the loudness pass never reported"
    assert ended - cancelled_at[0] < 5
    job = asset.jobs.get()
    assert job.status == JobStatus.CANCELLED
    assert asset.loudness_integrated is None and not asset.renditions.exists()
    assert_library_unharmed(library, media_root)


# --- The runner's own limits ----------------------------------------------------


def test_every_process_runs_under_the_address_space_limit(settings):
    settings.MEDIA_FFMPEG_MEMORY_BYTES = 512 * 1024 * 1024
    # The runner starts whatever command it is given: a shell reports the
    # limit it was started under (in KiB).
    finished = ffmpeg._run(["sh", "-c", "ulimit -v"], timeout=10)
    assert finished.stdout.strip() == str(512 * 1024)


def test_a_decoder_out_of_memory_fails_permanently(tmp_path, settings):
    # One 8K picture: ffmpeg itself loads within the limit, the decoder's
    # picture buffers do not fit. FFmpeg drops such pictures and exits 0;
    # the runner reads the log and refuses.
    path = tmp_path / "8k.mp4"
    ffmpeg_cli(
        "-f", "lavfi", "-i", "testsrc2=size=7680x4320:rate=2", "-t", "0.5",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path),
    )  # fmt: skip
    settings.MEDIA_FFMPEG_MEMORY_BYTES = 400 * 1024 * 1024
    with pytest.raises(PermanentMediaError) as error:
        ffmpeg.run_ffmpeg_analysis(
            streams=[ffmpeg.pinned_input(path, "mov")["v:0"]], timeout=60
        )
    assert "内存超过了上限" in error.value.reason


def test_a_pass_stops_within_seconds_of_being_asked(tmp_path):
    """The runner asks at least twice a second, whatever ffmpeg prints."""
    path = make_silent_audio(tmp_path / "long.flac", seconds=3600)
    asked = []

    def on_progress(seconds_done):
        asked.append(time.monotonic())
        return len(asked) < 3

    started = time.monotonic()
    with pytest.raises(ffmpeg.JobStopped):
        ffmpeg.run_ffmpeg_analysis(
            streams=[ffmpeg.pinned_input(path, "flac")["a:0"].filter("ebur128")],
            timeout=600,
            on_progress=on_progress,
        )
    assert time.monotonic() - started < 5
