"""Which chunk makes which still: every still exactly once, whatever the
chunking, and from the frame the single pass's fps filter picks for it."""

import math

from hypothesis import given
from hypothesis import strategies as st

from media_pipeline.ladder import still_grid


def fps_filter_pick(k: int, interval: float, fps: int) -> int:
    """The frame number ffmpeg's fps filter (round=near) gives still ``k``:
    the last frame before ``(k + 0.5) × interval``."""
    return math.ceil((k + 0.5) * interval * fps) - 1


@given(
    fps=st.sampled_from([24, 25, 30, 50, 60]),
    seconds=st.floats(min_value=20, max_value=4000),
    segments_per_chunk=st.integers(min_value=1, max_value=20),
    tiles=st.sampled_from([10, 300]),
)
def test_every_still_is_made_by_the_chunk_holding_its_frame(
    fps, seconds, segments_per_chunk, tiles
):
    frame = 1 / fps
    interval = max(1.0, seconds / tiles) if tiles == 300 else seconds / tiles
    count = math.ceil(seconds / interval)
    length = 6 * segments_per_chunk
    starts = list(range(0, math.ceil(seconds / length) * length, length))
    owners: dict[int, int] = {}
    for index, start in enumerate(starts):
        last = index == len(starts) - 1
        for k in still_grid(
            interval,
            count,
            start=start,
            end=None if last else start + length,
            frame=frame,
        ):
            assert k not in owners, (k, owners[k], index)
            owners[k] = index
            picked = fps_filter_pick(k, interval, fps)
            # The chunk decodes frames start*fps … (start+length)*fps - 1.
            if picked >= 0:
                assert start * fps <= picked, (k, picked, start)
                assert last or picked < (start + length) * fps, (k, picked, start)
    assert sorted(owners) == list(range(count))
