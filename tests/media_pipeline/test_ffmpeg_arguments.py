"""The ffmpeg and ffprobe commands, as ffmpeg-python compiles them, for fixed
source facts: the standard and delivery profiles on a 16:9 video with sound,
and the standard profile on an audio file.

The expectation in expected/ffmpeg_arguments.json was written from this code
and read argument by argument; any change to a command fails here, and a
deliberate one is recorded by rewriting the file from ``compiled_commands()``
and reviewing its diff. That the commands' outputs stay the same bytes is for
the encoding tests (and was checked with single-threaded x264 when the
commands moved to ffmpeg-python).
"""

import json
from pathlib import Path

import ffmpeg as ffmpeg_python
import pytest

from media_pipeline import ffmpeg, ladder, loudness
from media_pipeline.errors import TransientMediaError
from media_pipeline.ffmpeg import ProbeResult, StreamInfo
from media_pipeline.models import MediaKind, TranscodeProfile
from media_pipeline.pipeline import loudness_target

pytestmark = pytest.mark.django_db

EXPECTED = Path(__file__).parent / "expected" / "ffmpeg_arguments.json"
SOURCE = "/media/original"

VIDEO = ProbeResult(
    format_name="mov,mp4,m4a,3gp,3g2,mj2",
    duration=120.0,
    size=150_000_000,
    bit_rate=10_000_000,
    streams=(
        StreamInfo(0, "video", "h264", width=1920, height=1080, frame_rate=25.0),
        StreamInfo(1, "audio", "aac", sample_rate=44100, channels=2),
    ),
    raw={},
)
AUDIO = ProbeResult(
    format_name="wav",
    duration=95.5,
    size=16_848_000,
    bit_rate=1_411_200,
    streams=(StreamInfo(0, "audio", "pcm_s16le", sample_rate=44100, channels=2),),
    raw={},
)
MEASURED = loudness.LoudnessMeasurement(
    integrated=-31.52, true_peak=-9.85, loudness_range=6.4, threshold=-41.9, offset=0.21
)


def ladder_command(probe: ProbeResult, kind: str, profile_slug: str) -> list[str]:
    profile = TranscodeProfile.objects.get(slug=profile_slug)
    filters = loudness.normalise_filters(
        MEASURED, loudness_target(profile), profile.audio_sample_rate
    )
    plan = ladder.plan(probe=probe, kind=kind, profile=profile, audio_filters=filters)
    source = ffmpeg_python.input(
        SOURCE, format=probe.demuxer, **ffmpeg.decoder_limits()
    )
    return ladder.outputs(plan, source).compile()


def compiled_commands() -> dict[str, list[str]]:
    return {
        "standard": ladder_command(VIDEO, MediaKind.VIDEO, "standard"),
        "delivery-1080p": ladder_command(VIDEO, MediaKind.VIDEO, "delivery-1080p"),
        "audio": ladder_command(AUDIO, MediaKind.AUDIO, "standard"),
    }


def test_ladder_commands_are_the_recorded_ones():
    expected = json.loads(EXPECTED.read_text())
    compiled = compiled_commands()
    for name in ("standard", "delivery-1080p", "audio"):
        assert compiled[name] == expected[name], name


def _source(tmp_path) -> Path:
    source = tmp_path / "source.mp4"
    source.write_bytes(b"\0")
    return source


def _as_recorded(command: list[str], source: Path) -> list[str]:
    return [SOURCE if arg == str(source) else arg for arg in command]


def test_runner_puts_the_hardened_options_before_the_compiled_graph(
    tmp_path, monkeypatch
):
    source = _source(tmp_path)
    commands = []

    def record(command, **kwargs):
        commands.append(command)
        return ffmpeg.Finished(returncode=0, stdout="", log="", seconds_done=0.0)

    monkeypatch.setattr(ffmpeg, "_run", record)
    profile = TranscodeProfile.objects.get(slug="standard")
    plan = ladder.plan(
        probe=AUDIO, kind=MediaKind.AUDIO, profile=profile, audio_filters=()
    )
    outputs = ladder.outputs(plan, ffmpeg.pinned_input(source, "wav"))
    ffmpeg.run_ffmpeg(outputs=outputs, timeout=10)

    expected = json.loads(EXPECTED.read_text())
    assert _as_recorded(commands[0], source) == expected["runner"]


def test_probe_and_loudness_commands_are_the_recorded_ones(tmp_path, monkeypatch):
    source = _source(tmp_path)
    commands = []

    def record(command, **kwargs):
        commands.append(command)
        raise TransientMediaError("recorded")

    monkeypatch.setattr(ffmpeg, "_run", record)
    target = loudness_target(TranscodeProfile.objects.get(slug="standard"))
    with pytest.raises(TransientMediaError):
        ffmpeg.probe(source)
    with pytest.raises(TransientMediaError):
        loudness.measure(input_path=source, input_format="mov", target=target)

    expected = json.loads(EXPECTED.read_text())
    assert _as_recorded(commands[0], source) == expected["probe"]
    assert _as_recorded(commands[1], source) == expected["loudness"]


def test_runner_refuses_a_graph_reading_anything_but_a_pinned_file(tmp_path):
    profile = TranscodeProfile.objects.get(slug="standard")
    plan = ladder.plan(
        probe=AUDIO, kind=MediaKind.AUDIO, profile=profile, audio_filters=()
    )
    lavfi = ffmpeg_python.input("movie=/etc/passwd", format="lavfi")
    with pytest.raises(ValueError):
        ffmpeg.run_ffmpeg(outputs=ladder.outputs(plan, lavfi), timeout=10)
    # A local file read without the decoder limits is refused too.
    unlimited = ffmpeg_python.input(str(_source(tmp_path)), format="wav")
    with pytest.raises(ValueError):
        ffmpeg.run_ffmpeg(outputs=ladder.outputs(plan, unlimited), timeout=10)


def test_every_input_is_read_within_the_decoder_limits(tmp_path, settings):
    settings.MEDIA_MAX_DURATION_SECONDS = 600
    settings.MEDIA_MAX_PIXELS = 1920 * 1080
    command = ffmpeg_python.output(
        ffmpeg.pinned_input(_source(tmp_path), "mov"), "out.mp4"
    ).compile()
    assert command[command.index("-t") + 1] == "600"
    assert command[command.index("-max_pixels") + 1] == str(1920 * 1080)
    assert command.index("-max_pixels") < command.index("-i")
