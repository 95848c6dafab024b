"""A film's screen rendition, made with the real ffmpeg and judged by
ffprobe and decoded pixels (not by the project's own wrapper): the exact
pixel size, padding or cropping, no audio on a silent screen, subtitles
burned in, constant frame rate."""

import subprocess
from pathlib import Path

import pytest

from media_pipeline.errors import PermanentMediaError
from screens.models import Fit
from screens.rendering import Frame, MadeFile, film_render, slide_render
from tests.media_pipeline.media import ffmpeg, make_video, probe_streams

SUBTITLES = """WEBVTT

00:00:00.000 --> 00:00:03.000
BAIGALI SCIENCE 百嘎丽
"""


def _frame(**changes) -> Frame:
    values = {
        "width": 768,
        "height": 384,
        "fit": Fit.PAD,
        "frame_rate": 25,
        "has_sound": False,
    }
    return Frame(**(values | changes))


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screen-media")
    # 30 fps 4:3 with sound: the screen asks for 25 fps at another shape.
    source = make_video(folder / "film.mp4", width=320, height=240, seconds=2, fps=30)
    subtitles = folder / "film.vtt"
    subtitles.write_text(SUBTITLES, encoding="utf-8")
    return folder, source, subtitles


def _render(media, name: str, frame: Frame, *, subtitles: bool) -> MadeFile:
    folder, source, vtt = media
    work = folder / name
    work.mkdir()
    made = film_render(
        source=source, frame=frame, subtitles=vtt if subtitles else None, work=work
    )
    return made


@pytest.fixture(scope="module")
def silent(media):
    return _render(media, "silent", _frame(), subtitles=True)


@pytest.fixture(scope="module")
def silent_plain(media):
    # The same screen with no subtitle track: the picture to compare with.
    return _render(media, "silent-plain", _frame(), subtitles=False)


@pytest.fixture(scope="module")
def wall(media):
    frame = _frame(width=1920, height=540, fit=Fit.CROP, has_sound=True)
    return _render(media, "wall", frame, subtitles=True)


def _video(path: Path) -> dict:
    return next(s for s in probe_streams(path)["streams"] if s["codec_type"] == "video")


def _gray(path: Path, *, at: float, width: int, height: int) -> bytes:
    return subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-ss",
            f"{at}",
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout[: width * height]


def _changed_pixels(a: bytes, b: bytes, width: int, rows: range) -> int:
    """How many pixels of ``rows`` differ clearly (beyond coding noise)."""
    return sum(
        1
        for y in rows
        for x in range(width)
        if abs(a[y * width + x] - b[y * width + x]) > 60
    )


def test_silent_screen_gets_its_exact_size_h264_and_no_audio_track(silent):
    streams = probe_streams(silent.path)["streams"]
    assert [s["codec_type"] for s in streams] == ["video"]
    video = streams[0]
    assert (video["width"], video["height"]) == (768, 384)
    assert video["codec_name"] == "h264" and video["pix_fmt"] == "yuv420p"
    assert (silent.width, silent.height, silent.has_audio) == (768, 384, False)


def test_the_frame_rate_is_constant_at_the_screens_rate(silent):
    video = _video(silent.path)
    assert video["r_frame_rate"] == video["avg_frame_rate"] == "25/1"
    timestamps = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "packet=pts_time",
            "-of",
            "csv=p=0",
            str(silent.path),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    times = sorted(float(t) for t in timestamps)
    steps = {round(b - a, 4) for a, b in zip(times, times[1:], strict=False)}
    assert steps == {0.04}
    assert len(times) == 50  # 2 s at 25 fps from a 30 fps source


def test_a_4_3_film_is_padded_with_black_bars_on_a_2_1_screen(silent_plain):
    picture = _gray(silent_plain.path, at=1.0, width=768, height=384)
    # 320×240 scaled to 512×384, centred: 128 black columns either side.
    left = [picture[y * 768 + x] for y in range(0, 384, 16) for x in range(0, 120)]
    centre = [picture[y * 768 + x] for y in range(0, 384, 16) for x in range(200, 560)]
    assert max(left) <= 20
    assert sum(centre) / len(centre) > 40


def test_subtitles_are_burned_in_on_a_silent_screen(silent, silent_plain):
    assert silent.burned_subtitles and not silent_plain.burned_subtitles
    with_text = _gray(silent.path, at=1.0, width=768, height=384)
    without = _gray(silent_plain.path, at=1.0, width=768, height=384)
    # libass sets a bottom-centred line; the top of the picture is untouched.
    bottom = _changed_pixels(with_text, without, 768, range(330, 384))
    top = _changed_pixels(with_text, without, 768, range(0, 330))
    assert bottom > 500
    assert top < bottom / 20


def test_a_screen_with_sound_keeps_the_audio_and_shows_no_subtitles(wall):
    streams = probe_streams(wall.path)["streams"]
    assert sorted(s["codec_type"] for s in streams) == ["audio", "video"]
    video = _video(wall.path)
    assert (video["width"], video["height"]) == (1920, 540)
    assert wall.has_audio and not wall.burned_subtitles


def test_crop_fills_the_wall_without_black_bars(wall):
    picture = _gray(wall.path, at=1.0, width=1920, height=540)
    edges = [picture[y * 1920 + x] for y in range(0, 540, 20) for x in (0, 1, 1918)]
    assert sum(edges) / len(edges) > 20


def test_media_without_pictures_is_refused_in_chinese(tmp_path):
    sound = tmp_path / "sound.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(sound))
    with pytest.raises(PermanentMediaError, match="没有画面"):
        film_render(source=sound, frame=_frame(), subtitles=None, work=tmp_path)


def test_a_slide_becomes_a_picture_of_the_exact_size(tmp_path):
    from PIL import Image

    source = tmp_path / "slide.png"
    Image.new("RGB", (300, 300), "white").save(source)
    made = slide_render(source=source, frame=_frame(), work=tmp_path)
    with Image.open(made.path) as picture:
        assert picture.size == (768, 384) and picture.format == "JPEG"
        # Padded: black at the sides, the white slide in the middle.
        assert picture.getpixel((5, 192))[0] < 20
        assert picture.getpixel((384, 192))[0] > 230


def test_a_file_that_is_no_picture_is_refused_in_chinese(tmp_path):
    source = tmp_path / "slide.png"
    source.write_bytes(b"not a picture at all")
    with pytest.raises(PermanentMediaError, match="无法读取这张图片"):
        slide_render(source=source, frame=_frame(), work=tmp_path)


def test_see_through_parts_of_a_slide_stay_dark(tmp_path):
    from PIL import Image

    source = tmp_path / "mark.png"
    # Fully transparent red: dropping alpha alone would paint the screen red.
    picture = Image.new("RGBA", (200, 100), (255, 0, 0, 0))
    picture.paste((255, 255, 255, 255), (50, 25, 150, 75))
    picture.save(source)
    made = slide_render(source=source, frame=_frame(), work=tmp_path)
    with Image.open(made.path) as result:
        corner, middle = result.getpixel((300, 40)), result.getpixel((384, 192))
    assert max(corner) < 20
    assert min(middle) > 230
