"""Reading and patching the few boxes of fragmented MP4 that chunked
transcoding needs (ISO/IEC 14496-12).

A chunk is encoded from t=0, so its fragments' decode times (``tfdt``) and
sequence numbers (``mfhd``) start again at zero and one. Moving them by the
chunk's start makes its segments continue the ones before. ffmpeg's
``-output_ts_offset`` only changes the init segment's edit list, and
``+frag_discont`` or ``-copyts`` move the first chunk by the B-frame delay, so
the numbers are patched here, in place: both fields keep their size, and the
sample data offsets (relative to the ``moof``) stay right.
"""

import struct
from collections.abc import Iterator
from dataclasses import dataclass

#: Boxes whose payload is more boxes, on the paths this module walks.
CONTAINERS = {"moov", "trak", "mdia", "minf", "stbl", "mvex", "moof", "traf", "edts"}

# tfhd and trun flags (14496-12, 8.8.7 and 8.8.8).
TFHD_BASE_DATA_OFFSET = 0x01
TFHD_SAMPLE_DESCRIPTION_INDEX = 0x02
TFHD_DEFAULT_SAMPLE_DURATION = 0x08
TRUN_DATA_OFFSET = 0x01
TRUN_FIRST_SAMPLE_FLAGS = 0x04
TRUN_SAMPLE_DURATION = 0x100
TRUN_SAMPLE_SIZE = 0x200
TRUN_SAMPLE_FLAGS = 0x400
TRUN_SAMPLE_COMPOSITION = 0x800


class BoxError(ValueError):
    """The bytes are not the fragmented MP4 this module expects."""


@dataclass(frozen=True)
class Box:
    type: str
    offset: int
    size: int
    header: int

    @property
    def payload(self) -> int:
        return self.offset + self.header

    @property
    def end(self) -> int:
        return self.offset + self.size


@dataclass(frozen=True)
class Fragment:
    """One moof: its sequence number, first decode time and length, in the
    track's timescale."""

    sequence: int
    decode_time: int
    duration: int
    samples: int


def boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[Box]:
    """The boxes laid out between ``start`` and ``end``, in order."""
    end = len(data) if end is None else end
    offset = start
    while offset < end:
        if end - offset < 8:
            raise BoxError(f"truncated box header at {offset}")
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            if end - offset < 16:
                raise BoxError(f"truncated large box header at {offset}")
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            raise BoxError(f"box {kind!r} at {offset} runs past its parent")
        yield Box(kind.decode("latin-1"), offset, size, header)
        offset += size


def find(data: bytes, path: str, start: int = 0, end: int | None = None) -> list[Box]:
    """Every box at ``path`` ("moof/traf/tfdt"), in order."""
    first, _sep, rest = path.partition("/")
    found = []
    for box in boxes(data, start, end):
        if box.type != first:
            continue
        if rest:
            found += find(data, rest, box.payload, box.end)
        else:
            found.append(box)
    return found


def _full_box(data: bytes, box: Box) -> tuple[int, int]:
    """A full box's version and flags."""
    (word,) = struct.unpack_from(">I", data, box.payload)
    return word >> 24, word & 0xFFFFFF


def timescale(init: bytes) -> int:
    """The (first) track's media timescale, from its ``mdhd``."""
    found = find(init, "moov/trak/mdia/mdhd")
    if not found:
        raise BoxError("no mdhd in the init segment")
    version, _flags = _full_box(init, found[0])
    # creation and modification times come first: 4 bytes each in version 0,
    # 8 in version 1.
    at = found[0].payload + 4 + (16 if version == 1 else 8)
    return struct.unpack_from(">I", init, at)[0]


def _default_duration(init: bytes) -> int:
    found = find(init, "moov/mvex/trex")
    if not found:
        return 0
    # version/flags, track_ID, description index, then default duration.
    return struct.unpack_from(">I", init, found[0].payload + 12)[0]


def _traf_duration(data: bytes, traf: Box, trex_duration: int) -> tuple[int, int]:
    """The duration and sample count of one track fragment."""
    default = trex_duration
    total = samples = 0
    for box in boxes(data, traf.payload, traf.end):
        _version, flags = _full_box(data, box)
        at = box.payload + 4
        if box.type == "tfhd":
            at += 4  # track_ID
            if flags & TFHD_BASE_DATA_OFFSET:
                at += 8
            if flags & TFHD_SAMPLE_DESCRIPTION_INDEX:
                at += 4
            if flags & TFHD_DEFAULT_SAMPLE_DURATION:
                (default,) = struct.unpack_from(">I", data, at)
        elif box.type == "trun":
            (count,) = struct.unpack_from(">I", data, at)
            samples += count
            at += 4
            if flags & TRUN_DATA_OFFSET:
                at += 4
            if flags & TRUN_FIRST_SAMPLE_FLAGS:
                at += 4
            fields = [
                TRUN_SAMPLE_DURATION,
                TRUN_SAMPLE_SIZE,
                TRUN_SAMPLE_FLAGS,
                TRUN_SAMPLE_COMPOSITION,
            ]
            per_sample = 4 * sum(1 for field in fields if flags & field)
            if not flags & TRUN_SAMPLE_DURATION:
                total += count * default
                continue
            for sample in range(count):
                total += struct.unpack_from(">I", data, at + sample * per_sample)[0]
    return total, samples


def fragments(segment: bytes, init: bytes) -> list[Fragment]:
    """The fragments of a media segment, with their times."""
    trex_duration = _default_duration(init)
    found = []
    for moof in find(segment, "moof"):
        (sequence,) = struct.unpack_from(
            ">I", segment, find(segment, "mfhd", moof.payload, moof.end)[0].payload + 4
        )
        traf = find(segment, "traf", moof.payload, moof.end)[0]
        tfdt = find(segment, "tfdt", traf.payload, traf.end)[0]
        version, _flags = _full_box(segment, tfdt)
        fmt = ">Q" if version == 1 else ">I"
        (decode_time,) = struct.unpack_from(fmt, segment, tfdt.payload + 4)
        duration, samples = _traf_duration(segment, traf, trex_duration)
        found.append(Fragment(sequence, decode_time, duration, samples))
    if not found:
        raise BoxError("no fragment in the media segment")
    return found


def shift_fragments(segment: bytes, *, decode_time_by: int, sequence_by: int) -> bytes:
    """``segment`` with every fragment's decode time moved by
    ``decode_time_by`` and its sequence number by ``sequence_by``."""
    patched = bytearray(segment)
    for moof in find(segment, "moof"):
        for mfhd in find(segment, "mfhd", moof.payload, moof.end):
            at = mfhd.payload + 4
            (sequence,) = struct.unpack_from(">I", patched, at)
            struct.pack_into(">I", patched, at, sequence + sequence_by)
        for tfdt in find(segment, "traf/tfdt", moof.payload, moof.end):
            version, _flags = _full_box(segment, tfdt)
            at = tfdt.payload + 4
            fmt = ">Q" if version == 1 else ">I"
            (decode_time,) = struct.unpack_from(fmt, patched, at)
            moved = decode_time + decode_time_by
            if moved < 0 or moved >= 1 << (64 if version == 1 else 32):
                raise BoxError(f"decode time {moved} does not fit tfdt v{version}")
            struct.pack_into(fmt, patched, at, moved)
    return bytes(patched)
