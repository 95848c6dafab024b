"""The one ffmpeg pass encodes each rung and the audio once: the MP4 download
is the download rung's own encode, written a second time by the tee muxer.

ffmpeg's own log says which encoders it opened ("Stream mapping"), so the
count does not depend on how ladder.py spells its arguments.
"""

import re
import subprocess

from media_pipeline import ffmpeg, ladder
from media_pipeline.ffmpeg import Filter
from media_pipeline.models import TranscodeProfile

from .media import make_video, probe_streams, top_level_boxes

# "  setsar:default -> Stream #0:1 (libx264)": one line per encoder opened.
ENCODER = re.compile(r"^\s+\S.* -> Stream #\d+:\d+ \((\w+)\)$", re.MULTILINE)


def test_each_rung_and_the_audio_are_encoded_once(tmp_path):
    source = make_video(tmp_path / "clip.mp4", width=854, height=480, seconds=2)
    probed = ffmpeg.probe(source)
    # A download rung that is not the first stream, so the MP4 must pick the
    # right one of the encoded rungs.
    profile = TranscodeProfile(slug="test", download_height=360)
    plan = ladder.plan(
        probe=probed,
        kind="video",
        profile=profile,
        audio_filters=(Filter("aresample", (profile.audio_sample_rate,)),),
    )
    assert [r.name for r in plan.rungs] == ["480p", "360p"]
    assert plan.download is plan.rungs[1]

    out = tmp_path / "out"
    for folder in ("hls", "thumbs", "sprite"):
        (out / folder).mkdir(parents=True)
    binary, *arguments = ladder.outputs(
        plan, ffmpeg.pinned_input(source, probed.demuxer)
    ).compile(cmd=ffmpeg.FFMPEG)
    completed = subprocess.run(
        [binary, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info"]
        + arguments,
        cwd=out,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]

    mapping = completed.stderr.split("Stream mapping:", 1)[1]
    encoders = ENCODER.findall(mapping)
    assert encoders.count("libx264") == len(plan.rungs), encoders
    assert encoders.count("aac") == 1, encoders

    # The download is still a fast-start MP4 of the download rung and the audio.
    mp4 = out / "download.mp4"
    boxes = top_level_boxes(mp4)
    assert boxes.index("moov") < boxes.index("mdat"), boxes
    streams = {s["codec_type"]: s for s in probe_streams(mp4)["streams"]}
    assert set(streams) == {"video", "audio"}
    video = streams["video"]
    assert (video["width"], video["height"]) == (640, 360)
    assert (video["codec_name"], video["profile"]) == ("h264", "High")
    assert streams["audio"]["codec_name"] == "aac"
    for rung in plan.rungs:
        assert (out / "hls" / rung.name / "index.m3u8").is_file()
    assert (out / "hls/audio/index.m3u8").is_file()
