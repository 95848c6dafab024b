"""The one transcode pass reports its progress while it runs, not only at
its end, and the scrubbing sprite sheets it leads to are laid out as the
sprite track says."""

import re

import pytest
from PIL import Image

from media_pipeline import ffmpeg, ladder
from media_pipeline.hls import write_sprite_track
from media_pipeline.models import MediaKind, TranscodeProfile
from media_pipeline.sprites import sprite_sheets_compose

from .media import make_video

pytestmark = pytest.mark.django_db


def transcode(source, out):
    probe = ffmpeg.probe(source)
    plan = ladder.plan(
        probe=probe,
        kind=MediaKind.VIDEO,
        profile=TranscodeProfile.objects.get(slug="standard"),
        audio_filters=(),
    )
    for folder in ("hls", "thumbs", "sprite"):
        (out / folder).mkdir(parents=True)
    reported = []

    def on_progress(seconds_done):
        reported.append(seconds_done)
        return True

    ffmpeg.run_ffmpeg(
        outputs=ladder.outputs(plan, ffmpeg.pinned_input(source, probe.demuxer)),
        timeout=600,
        on_progress=on_progress,
        cwd=out,
    )
    return plan, reported


def test_progress_is_reported_while_the_pass_runs(tmp_path):
    # Shorter than one sprite sheet's worth of tiles (100 s): before, ffmpeg
    # reported nothing until its very end.
    source = make_video(tmp_path / "clip.mp4", width=854, height=480, seconds=20)
    plan, reported = transcode(source, tmp_path / "out")

    during = [seconds for seconds in reported if 0 < seconds < plan.duration - 1]
    assert during, reported
    assert reported == sorted(reported)


def test_sprite_sheets_hold_every_tile_the_track_names(tmp_path):
    source = make_video(tmp_path / "clip.mp4", width=640, height=360, seconds=6)
    out = tmp_path / "out"
    plan, _reported = transcode(source, out)
    tiles = sorted((out / "sprite").glob(ladder.SPRITE_TILE_GLOB))
    assert len(tiles) >= plan.sprite_tiles - 1

    sheets = sprite_sheets_compose(out / "sprite", plan)
    track = write_sprite_track(out / "sprite", plan).read_text()

    assert [sheet.name for sheet in sheets] == ["sprite_001.jpg"]
    assert not list((out / "sprite").glob(ladder.SPRITE_TILE_GLOB))  # tidied
    tile_width, tile_height = plan.tile_size
    with Image.open(sheets[0]) as sheet:
        assert sheet.format == "JPEG"
        assert sheet.size == (
            ladder.SPRITE_COLUMNS * tile_width,
            ladder.SPRITE_ROWS * tile_height,
        )
        cues = re.findall(r"sprite_001\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)", track)
        assert len(cues) == plan.sprite_tiles
        for x, y, w, h in (tuple(map(int, cue)) for cue in cues):
            # Every cue points at a picture, not at the black padding.
            assert sheet.crop((x, y, x + w, y + h)).getbbox() is not None
        # Past the last tile, the sheet is padding.
        last = len(tiles)
        row, column = divmod(last, ladder.SPRITE_COLUMNS)
        padding = (
            column * tile_width,
            row * tile_height,
            (column + 1) * tile_width,
            (row + 1) * tile_height,
        )
        assert sheet.convert("L").crop(padding).getextrema()[1] < 16
