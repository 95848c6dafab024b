"""Playlists and tracks we write ourselves once ffmpeg has finished.

ffmpeg's own master playlist states nominal bitrates and lists the audio group
as a variant of its own; ours states the peak and average bit rates measured
from the segments written, as the HLS specification asks, plus RESOLUTION,
FRAME-RATE and CODECS for every variant.
"""

import math
from dataclasses import dataclass
from pathlib import Path

from .ladder import AAC_LC_CODEC, SPRITE_COLUMNS, SPRITE_ROWS, TranscodePlan
from .models import MediaKind

MASTER_NAME = "master.m3u8"
AUDIO_GROUP = "aac"


@dataclass(frozen=True)
class MediaPlaylistStats:
    peak_bps: int
    average_bps: int
    duration: float
    target_duration: int


def playlist_stats(playlist: Path) -> MediaPlaylistStats:
    """Bit rates of a VOD media playlist, from its segments' sizes on disk."""
    durations_and_sizes = []
    pending_duration = None
    target = 0
    for line in playlist.read_text().splitlines():
        line = line.strip()
        if line.startswith("#EXT-X-TARGETDURATION:"):
            target = int(line.split(":", 1)[1])
        elif line.startswith("#EXTINF:"):
            pending_duration = float(line.split(":", 1)[1].split(",")[0])
        elif line and not line.startswith("#") and pending_duration is not None:
            size = (playlist.parent / line).stat().st_size
            durations_and_sizes.append((pending_duration, size))
            pending_duration = None
    total_duration = sum(d for d, _ in durations_and_sizes) or 1.0
    total_bits = sum(size * 8 for _, size in durations_and_sizes)
    # A short final segment can show an inflated rate; the spec still counts
    # it, so we do too.
    peak = max((size * 8 / max(d, 0.001) for d, size in durations_and_sizes), default=0)
    return MediaPlaylistStats(
        peak_bps=math.ceil(peak),
        average_bps=math.ceil(total_bits / total_duration),
        duration=total_duration,
        target_duration=target,
    )


def write_master_playlist(hls_dir: Path, plan: TranscodePlan) -> Path:
    audio = playlist_stats(hls_dir / "audio" / "index.m3u8")
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if plan.kind == MediaKind.AUDIO:
        lines += [
            f"#EXT-X-STREAM-INF:BANDWIDTH={audio.peak_bps},"
            f'AVERAGE-BANDWIDTH={audio.average_bps},CODECS="{AAC_LC_CODEC}"',
            "audio/index.m3u8",
        ]
    else:
        lines.append(
            f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{AUDIO_GROUP}",NAME="audio",'
            'LANGUAGE="zh",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",'
            'URI="audio/index.m3u8"'
        )
        for rung in plan.rungs:
            video = playlist_stats(hls_dir / rung.name / "index.m3u8")
            lines += [
                f"#EXT-X-STREAM-INF:BANDWIDTH={video.peak_bps + audio.peak_bps},"
                f"AVERAGE-BANDWIDTH={video.average_bps + audio.average_bps},"
                f"RESOLUTION={rung.width}x{rung.height},"
                f"FRAME-RATE={rung.fps:.3f},"
                f'CODECS="{plan.codecs_video},{AAC_LC_CODEC}",'
                f'AUDIO="{AUDIO_GROUP}"',
                f"{rung.name}/index.m3u8",
            ]
    master = hls_dir / MASTER_NAME
    master.write_text("\n".join(lines) + "\n")
    return master


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def write_sprite_track(sprite_dir: Path, plan: TranscodePlan) -> Path:
    """A WebVTT thumbnail track: each cue points into a sprite sheet."""
    tile_w, tile_h = plan.tile_size
    per_sheet = SPRITE_COLUMNS * SPRITE_ROWS
    cues = ["WEBVTT", ""]
    for i in range(plan.sprite_tiles):
        start = i * plan.sprite_interval
        end = min((i + 1) * plan.sprite_interval, plan.duration)
        if end <= start:
            break
        sheet, position = divmod(i, per_sheet)
        row, column = divmod(position, SPRITE_COLUMNS)
        cues += [
            f"{_timestamp(start)} --> {_timestamp(end)}",
            f"sprite_{sheet + 1:03d}.jpg#xywh={column * tile_w},{row * tile_h},"
            f"{tile_w},{tile_h}",
            "",
        ]
    track = sprite_dir / "sprite.vtt"
    track.write_text("\n".join(cues))
    return track
