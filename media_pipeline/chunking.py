"""Chunked transcoding: one long programme encoded by many workers at once.

A video longer than ``MEDIA_CHUNK_MIN_SECONDS`` is split into chunks of
``MEDIA_CHUNK_SECONDS`` rounded to whole HLS segments. Each chunk is read
with ``-ss`` before ``-i`` (frame-accurate, timestamps from zero) and
encoded into every rung from t=0 with the single pass's settings; its
segments' fragment times are then moved by the chunk's start (fmp4), and
named as the single pass names them. Each chunk also makes the poster,
thumbnails and sprite tiles that fall in its range, from the frames it
decodes anyway. The audio is encoded once, apart, for the whole programme.
Assembly checks the parts' manifests, then writes what the single pass
writes around the segments: media playlists, the MP4 download, the sprite
sheets, the master playlist last.

Every step here works on local folders; ``chunk_tasks`` moves the parts
through storage between workers, and ``pipeline`` runs them in sequence when
there are none.
"""

import hashlib
import math
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from . import ffmpeg, fmp4, ladder
from .conf import media_settings
from .errors import PermanentMediaError
from .hls import MASTER_NAME, write_master_playlist, write_sprite_track
from .ladder import SPRITE_TILE_GLOB, TranscodePlan
from .models import MediaKind
from .sprites import sprite_sheets_compose
from .validation import max_decoded_seconds

#: Where a part encodes before its files are moved into the output tree.
PART_FOLDER = "parts"
POSTER = "poster.jpg"
THUMBS = "thumbs"
SPRITE = "sprite"
AUDIO_RENDITION = "audio"
PLAYLIST = "index.m3u8"


class AssemblyRefused(PermanentMediaError):
    """The parts of a chunked transcode do not make one programme."""


@dataclass(frozen=True)
class ChunkSpan:
    index: int
    start: float
    #: None for the last chunk: it reads to the end of the source, however
    #: far past the header's duration that is (within the decode limit).
    duration: float | None
    planned_duration: float

    @property
    def reads_to_end(self) -> bool:
        return self.duration is None


def chunk_seconds(segment_seconds: int) -> int:
    """MEDIA_CHUNK_SECONDS rounded to whole segments, at least one."""
    wanted = float(media_settings.MEDIA_CHUNK_SECONDS)
    return max(1, round(wanted / segment_seconds)) * segment_seconds


def chunking_applies(plan: TranscodePlan) -> bool:
    return (
        plan.kind == MediaKind.VIDEO
        and plan.duration > float(media_settings.MEDIA_CHUNK_MIN_SECONDS)
        and plan.duration > chunk_seconds(plan.profile.segment_seconds)
    )


def chunk_spans(plan: TranscodePlan) -> list[ChunkSpan]:
    length = chunk_seconds(plan.profile.segment_seconds)
    count = max(1, math.ceil(plan.duration / length))
    spans = []
    for index in range(count):
        start = index * length
        last = index == count - 1
        spans.append(
            ChunkSpan(
                index=index,
                start=float(start),
                duration=None if last else float(length),
                planned_duration=(plan.duration - start) if last else float(length),
            )
        )
    return spans


def init_name(variant: int) -> str:
    """The single pass's init segment name of a variant (the audio is
    variant 0, rung ``i`` is variant ``i + 1``)."""
    return f"init_{variant}.mp4"


def segment_name(number: int) -> str:
    return f"seg_{number:05d}.m4s"


@dataclass(frozen=True)
class MediaPlaylist:
    target_duration: int
    init: str
    segments: list[tuple[str, float]]


EXTINF = re.compile(r"#EXTINF:([0-9.]+),")


def read_media_playlist(path: Path) -> MediaPlaylist:
    target, init, segments, pending = 0, "", [], None
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("#EXT-X-TARGETDURATION:"):
            target = int(line.split(":", 1)[1])
        elif line.startswith("#EXT-X-MAP:URI="):
            init = line.split("=", 1)[1].strip('"')
        elif match := EXTINF.match(line):
            pending = float(match.group(1))
        elif line and not line.startswith("#") and pending is not None:
            segments.append((line, pending))
            pending = None
    return MediaPlaylist(target, init, segments)


def _timeout(seconds: float) -> float:
    factor = media_settings.MEDIA_TRANSCODE_TIMEOUT_FACTOR
    return max(600.0, seconds * factor)


def _whole_source_pass(outputs, plan: TranscodePlan, on_progress, *, cwd: Path):
    """Run one ffmpeg over the whole programme's length (the audio, the
    stills, the download's remux), with its limits."""
    ffmpeg.run_ffmpeg(
        outputs=outputs,
        timeout=_timeout(plan.duration),
        on_progress=on_progress,
        decode_limit=max_decoded_seconds(plan.duration),
        cwd=cwd,
    )


def _fresh(folder: Path) -> Path:
    """An empty ``folder``: a part run again starts from nothing."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _track_manifest(
    init: Path, segments: list[tuple[Path, str, float]], *, decode_time_by: int = 0
) -> dict:
    """What one rendition of a part holds, its segments already moved."""
    init_bytes = init.read_bytes()
    described = []
    for path, name, extinf in segments:
        fragments = fmp4.fragments(path.read_bytes(), init_bytes)
        described.append(
            {
                "name": name,
                "extinf": extinf,
                "size": path.stat().st_size,
                "decode_time": fragments[0].decode_time,
                "length": sum(fragment.duration for fragment in fragments),
                "samples": sum(fragment.samples for fragment in fragments),
            }
        )
    return {
        "init_sha256": hashlib.sha256(init_bytes).hexdigest(),
        "timescale": fmp4.timescale(init_bytes),
        "segments": described,
    }


def chunk_encode(
    *,
    source: Path,
    demuxer: str,
    plan: TranscodePlan,
    span: ChunkSpan,
    out: Path,
    on_progress: ffmpeg.ProgressCallback | None = None,
) -> dict:
    """Encode one chunk into every rung, move its fragments to the chunk's
    place, and put its segments under ``out/hls`` as the single pass names
    them; the chunk's manifest. The init segments stay in the part's own
    folder (``out/parts/chunk-N``): assembly compares them."""
    work = _fresh(out / PART_FOLDER / f"chunk-{span.index:05d}")
    for folder in (THUMBS, SPRITE):
        (work / folder).mkdir()
    ffmpeg.run_ffmpeg(
        outputs=ladder.chunk_outputs(
            plan,
            ffmpeg.pinned_input(
                source, demuxer, start=span.start, duration=span.duration
            ),
            start=span.start,
            end=None if span.reads_to_end else span.start + span.duration,
        ),
        timeout=_timeout(span.planned_duration),
        on_progress=on_progress,
        decode_limit=max_decoded_seconds(span.planned_duration),
        cwd=work,
    )
    # Chunks start on segment boundaries: the single pass's numbering.
    first_number = round(span.start / plan.profile.segment_seconds)
    rungs = {}
    for rung in plan.rungs:
        encoded = work / "hls" / rung.name
        playlist = read_media_playlist(encoded / PLAYLIST)
        init = encoded / playlist.init
        scale = fmp4.timescale(init.read_bytes())
        decode_time_by = round(span.start * scale)
        target = out / "hls" / rung.name
        target.mkdir(parents=True, exist_ok=True)
        moved = []
        for number, (name, extinf) in enumerate(playlist.segments, first_number):
            final = target / segment_name(number)
            final.write_bytes(
                fmp4.shift_fragments(
                    (encoded / name).read_bytes(),
                    decode_time_by=decode_time_by,
                    sequence_by=first_number,
                )
            )
            (encoded / name).unlink()
            moved.append((final, final.name, extinf))
        rungs[rung.name] = {
            **_track_manifest(init, moved),
            "init": str(init.relative_to(out)),
            "target_duration": playlist.target_duration,
        }
    # The poster and thumbnails are final as they are; the sprite tiles
    # stay with the part until assembly lays them out into sheets.
    thumbs = sorted((work / THUMBS).iterdir())
    (out / THUMBS).mkdir(parents=True, exist_ok=True)
    for thumb in thumbs:
        thumb.replace(out / THUMBS / thumb.name)
    made_poster = (work / POSTER).exists()
    if made_poster:
        (work / POSTER).replace(out / POSTER)
    return {
        "part": "video",
        "index": span.index,
        "start": span.start,
        "ffmpeg": ffmpeg.ffmpeg_build(),
        "rungs": rungs,
        "frames": sum(s["samples"] for s in rungs[plan.download.name]["segments"]),
        "stills": {
            "poster": made_poster,
            "thumbs": [thumb.name for thumb in thumbs],
            "tiles": len(list((work / SPRITE).glob(SPRITE_TILE_GLOB))),
        },
    }


def audio_encode(
    *,
    source: Path,
    demuxer: str,
    plan: TranscodePlan,
    out: Path,
    on_progress: ffmpeg.ProgressCallback | None = None,
) -> dict:
    """Encode the programme's audio once, into ``out/hls/audio``; its
    manifest."""
    work = _fresh(out / PART_FOLDER / "audio")
    _whole_source_pass(
        ladder.audio_track_outputs(plan, ffmpeg.pinned_input(source, demuxer)),
        plan,
        on_progress,
        cwd=work,
    )
    encoded = work / "hls" / AUDIO_RENDITION
    playlist = read_media_playlist(encoded / PLAYLIST)
    target = _fresh(out / "hls" / AUDIO_RENDITION)
    init = target / init_name(0)
    shutil.move(encoded / playlist.init, init)
    moved = []
    for name, extinf in playlist.segments:
        shutil.move(encoded / name, target / name)
        moved.append((target / name, name, extinf))
    # The audio's own playlist is the single pass's, but for the init's name.
    (target / PLAYLIST).write_text(
        (encoded / PLAYLIST)
        .read_text()
        .replace(f'URI="{playlist.init}"', f'URI="{init.name}"')
    )
    return {
        "part": "audio",
        "index": 0,
        "ffmpeg": ffmpeg.ffmpeg_build(),
        "start_delay": ladder.video_start_delay(plan),
        **_track_manifest(init, moved),
    }


# Assembly ---------------------------------------------------------------


def _seconds(ticks: int, scale: int) -> str:
    return f"{ticks / scale:.3f}"


def check_parts(plan: TranscodePlan, manifests: list[dict], chunk_count: int) -> None:
    """Refuse, with a reason, parts that do not make the planned programme
    of ``chunk_count`` video chunks."""
    videos = [m for m in manifests if m.get("part") == "video"]
    audio = [m for m in manifests if m.get("part") == "audio"]
    expected = chunk_count
    counted = Counter(m["index"] for m in videos)
    for index in range(expected):
        if counted[index] == 0:
            raise AssemblyRefused(
                _("缺少第 %(n)s 段视频（共 %(total)s 段），无法拼接。")
                % {"n": index + 1, "total": expected}
            )
    for index, times in sorted(counted.items()):
        if times > 1:
            raise AssemblyRefused(
                _("第 %(n)s 段视频出现了 %(times)s 次，无法拼接。")
                % {"n": index + 1, "times": times}
            )
        if index >= expected:
            raise AssemblyRefused(
                _("多出了计划之外的第 %(n)s 段视频，无法拼接。") % {"n": index + 1}
            )
    if len(audio) != 1:
        raise AssemblyRefused(_("音频没有转码完成，无法拼接。"))
    videos.sort(key=lambda m: m["index"])
    first = videos[0]
    for manifest in [*videos[1:], *audio]:
        if manifest["ffmpeg"] != first["ffmpeg"]:
            raise AssemblyRefused(
                _(
                    "%(part)s由另一个 FFmpeg 版本转码（%(other)s），与第 1 段"
                    "（%(first)s）不一致，拼接后画面或声音会不连贯，已拒绝。"
                )
                % {
                    "part": _part_label(manifest),
                    "other": manifest["ffmpeg"],
                    "first": first["ffmpeg"],
                }
            )
    for rung in plan.rungs:
        tracks = [(m, m["rungs"][rung.name]) for m in videos]
        first_track = tracks[0][1]
        expected_end = 0
        for manifest, track in tracks:
            if track["init_sha256"] != first_track["init_sha256"]:
                raise AssemblyRefused(
                    _("第 %(n)s 段 %(rung)s 档的初始化分片与第 1 段不同，无法拼接。")
                    % {"n": manifest["index"] + 1, "rung": rung.name}
                )
            scale = track["timescale"]
            for segment in track["segments"]:
                gap = segment["decode_time"] - expected_end
                if gap:
                    raise AssemblyRefused(
                        _(
                            "%(rung)s 档 %(segment)s 的时间不连续（在第 %(n)s 段，"
                            "%(what)s %(seconds)s 秒），无法拼接。"
                        )
                        % {
                            "rung": rung.name,
                            "segment": segment["name"],
                            "n": manifest["index"] + 1,
                            "what": _("间隔") if gap > 0 else _("重叠"),
                            "seconds": _seconds(abs(gap), scale),
                        }
                    )
                expected_end = segment["decode_time"] + segment["length"]
    (audio_manifest,) = audio
    delay = ladder.video_start_delay(plan)
    audio_first = (
        audio_manifest["segments"][0]["decode_time"]
        if audio_manifest["segments"]
        else None
    )
    if abs(audio_manifest["start_delay"] - delay) > 1e-6 or audio_first != 0:
        raise AssemblyRefused(
            _("音频与视频的起点没有对齐（相差 %(seconds).3f 秒），无法拼接。")
            % {"seconds": abs(audio_manifest["start_delay"] - delay)}
        )


def _part_label(manifest: dict) -> str:
    if manifest.get("part") == "video":
        return _("第 %(n)s 段视频") % {"n": manifest["index"] + 1}
    return _("音频")


def _write_rung_playlist(folder: Path, variant: int, tracks: list[dict]) -> None:
    """The rung's media playlist, as ffmpeg's hls muxer writes it."""
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{max(t['target_duration'] for t in tracks)}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        f'#EXT-X-MAP:URI="{init_name(variant)}"',
    ]
    for track in tracks:
        for segment in track["segments"]:
            lines += [f"#EXTINF:{segment['extinf']:.6f},", segment["name"]]
    lines.append("#EXT-X-ENDLIST")
    (folder / PLAYLIST).write_text("\n".join(lines) + "\n")


def _joined(out: Path, folder: str, playlist: MediaPlaylist, into: Path) -> Path:
    """A rendition's init and segments, byte-joined: one fragmented MP4."""
    with into.open("wb") as joined:
        for name in [playlist.init] + [name for name, _extinf in playlist.segments]:
            with (out / "hls" / folder / name).open("rb") as part:
                shutil.copyfileobj(part, joined)
    return into


def assemble(
    *,
    plan: TranscodePlan,
    manifests: list[dict],
    chunk_count: int,
    out: Path,
    on_progress: ffmpeg.ProgressCallback | None = None,
) -> list[str]:
    """Check the parts in ``out`` and write what joins them: the media
    playlists, the MP4 download, the sprite sheets and their track, the
    master playlist last; the files written, relative to ``out``. Safe to
    run again on the same folder."""
    check_parts(plan, manifests, chunk_count)
    videos = sorted(
        (m for m in manifests if m["part"] == "video"), key=lambda m: m["index"]
    )
    for variant, rung in enumerate(plan.rungs, 1):
        folder = out / "hls" / rung.name
        folder.mkdir(parents=True, exist_ok=True)
        tracks = [m["rungs"][rung.name] for m in videos]
        shutil.copyfile(out / tracks[0]["init"], folder / init_name(variant))
        _write_rung_playlist(folder, variant, tracks)

    download = plan.download.name
    work = out / PART_FOLDER
    video = _joined(
        out,
        download,
        read_media_playlist(out / "hls" / download / PLAYLIST),
        work / "download-video.mp4",
    )
    audio = _joined(
        out,
        AUDIO_RENDITION,
        read_media_playlist(out / "hls" / AUDIO_RENDITION / PLAYLIST),
        work / "download-audio.mp4",
    )
    (out / "download.mp4").unlink(missing_ok=True)
    _whole_source_pass(
        ladder.download_outputs(
            ffmpeg.pinned_input(video, "mp4"), ffmpeg.pinned_input(audio, "mp4")
        ),
        plan,
        on_progress,
        cwd=out,
    )
    sprite = _fresh(out / SPRITE)
    for tile in (out / PART_FOLDER).glob(f"chunk-*/{SPRITE}/{SPRITE_TILE_GLOB}"):
        tile.replace(sprite / tile.name)
    sheets = sprite_sheets_compose(sprite, plan)
    track = write_sprite_track(sprite, plan)
    write_master_playlist(out / "hls", plan)
    return _assembly_files(plan, [*sheets, track], out)


def _assembly_files(plan: TranscodePlan, sprite: list[Path], out: Path) -> list[str]:
    """What assembly writes, relative to the output folder: stored again
    whenever it runs (an assembly run again replaces what one that died
    left, however far it got)."""
    files = []
    for variant, rung in enumerate(plan.rungs, 1):
        files += [
            f"hls/{rung.name}/{init_name(variant)}",
            f"hls/{rung.name}/{PLAYLIST}",
        ]
    files += [str(path.relative_to(out)) for path in sprite]
    return [*files, "download.mp4", f"hls/{MASTER_NAME}"]


def remove_parts(out: Path) -> None:
    """The parts' own files, once assembled: not published."""
    shutil.rmtree(out / PART_FOLDER, ignore_errors=True)
