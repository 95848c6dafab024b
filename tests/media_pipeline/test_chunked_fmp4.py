"""The fMP4 box patcher that moves a chunk's fragments to its place, on
segments ffmpeg's hls muxer wrote (and a hand-made box for the limits)."""

import struct
import subprocess

import pytest

from media_pipeline import fmp4

from .media import ffmpeg


@pytest.fixture(scope="module")
def hls(tmp_path_factory):
    """Four seconds of 25 fps video in 2 s fMP4 segments."""
    folder = tmp_path_factory.mktemp("fmp4")
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25",
        "-t", "4", "-c:v", "libx264", "-preset", "ultrafast",
        "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
        "-f", "hls", "-hls_time", "2", "-hls_segment_type", "fmp4",
        "-hls_playlist_type", "vod",
        "-hls_segment_filename", str(folder / "seg_%d.m4s"),
        str(folder / "index.m3u8"),
    )  # fmt: skip
    init = (folder / "init.mp4").read_bytes()
    segments = [(folder / f"seg_{n}.m4s").read_bytes() for n in range(2)]
    return init, segments


def test_fragments_are_read_with_their_times(hls):
    init, segments = hls
    scale = fmp4.timescale(init)
    assert scale > 0
    first, second = (fmp4.fragments(segment, init) for segment in segments)
    assert [f.sequence for f in first + second] == [1, 2]
    assert first[0].decode_time == 0
    assert first[0].samples == 50 and first[0].duration == 2 * scale
    assert second[0].decode_time == first[0].duration


def test_shifting_moves_only_the_decode_time_and_the_sequence_number(hls):
    init, segments = hls
    scale = fmp4.timescale(init)
    moved = fmp4.shift_fragments(segments[1], decode_time_by=60 * scale, sequence_by=30)
    assert len(moved) == len(segments[1])
    (fragment,) = fmp4.fragments(moved, init)
    assert fragment.sequence == 32
    assert fragment.decode_time == 62 * scale
    assert fragment.samples == 50
    # Exactly the two fields changed: 4 bytes of mfhd, 8 of tfdt at most.
    changed = [
        i for i, (a, b) in enumerate(zip(moved, segments[1], strict=True)) if a != b
    ]
    assert 0 < len(changed) <= 12
    # ffprobe reads the moved segment and sees its frames at the new time.
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "packet=dts_time",
         "-of", "csv=p=0", "-"],
        input=init + moved, capture_output=True, check=True, timeout=60,
    ).stdout.split()  # fmt: skip
    assert float(probe[0]) == pytest.approx(62.0, abs=0.1)


def test_shifting_back_restores_the_bytes(hls):
    init, segments = hls
    there = fmp4.shift_fragments(segments[0], decode_time_by=12345, sequence_by=7)
    back = fmp4.shift_fragments(there, decode_time_by=-12345, sequence_by=-7)
    assert back == segments[0]


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def test_a_32_bit_decode_time_that_would_overflow_is_refused():
    tfdt = box(b"tfdt", struct.pack(">II", 0, 2**32 - 10))
    mfhd = box(b"mfhd", struct.pack(">II", 0, 1))
    moof = box(b"moof", mfhd + box(b"traf", tfdt))
    with pytest.raises(fmp4.BoxError, match="does not fit"):
        fmp4.shift_fragments(moof, decode_time_by=100, sequence_by=0)
    moved = fmp4.shift_fragments(moof, decode_time_by=5, sequence_by=0)
    assert struct.unpack(">I", moved[-4:])[0] == 2**32 - 5


def test_truncated_or_overlong_boxes_are_refused():
    with pytest.raises(fmp4.BoxError):
        list(fmp4.boxes(b"\x00\x00\x00\x10moof\x00\x00"))
    with pytest.raises(fmp4.BoxError):
        list(fmp4.boxes(b"\x00\x00\x00"))
    with pytest.raises(fmp4.BoxError, match="no fragment"):
        fmp4.fragments(box(b"free", b""), b"")
