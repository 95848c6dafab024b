"""Plan one ffmpeg process that makes every rendition of an asset.

The source is decoded once; a filter graph splits it into the HLS rungs, the
poster, the thumbnails and the sprite sheets. Each rung and the normalised
audio are encoded once: the tee muxer writes them all into the HLS ladder,
and the download rung and the audio into the MP4 download as well.
Apple's HLS authoring numbers apply: fMP4 segments of ``segment_seconds``, an
IDR every ``keyframe_seconds`` at fixed times, closed GOPs, no scene-cut
keyframes.

ffmpeg-python writes the command from the graph built here; the labels in
the filter graph ([s0], [s1], …) are its own.
"""

import math
from dataclasses import dataclass, field

import ffmpeg as ffmpeg_python
from ffmpeg.nodes import FilterableStream, FilterNode, Node, OutputStream

from .ffmpeg import Filter, ProbeResult
from .models import MediaKind, TranscodeProfile

# Thumbnails a scrubbing sprite sheet holds, and how many sheets at most.
SPRITE_COLUMNS = 10
SPRITE_ROWS = 10
SPRITE_MAX_TILES = 300
SPRITE_TILE_LONG_SIDE = 160
#: The sprite tiles ffmpeg writes (uncompressed: they are laid out into JPEG
#: sheets and deleted), and the glob that finds them.
SPRITE_TILE_PATTERN = "tile_%05d.bmp"
SPRITE_TILE_GLOB = "tile_*.bmp"
SPRITE_TILES = f"sprite/{SPRITE_TILE_PATTERN}"
THUMBNAIL_PATTERN = "thumbs/thumb_%04d.jpg"
THUMBNAIL_COUNT = 10
THUMBNAIL_LONG_SIDE = 480
POSTER_LONG_SIDE = 1280
WAVEFORM_SIZE = (1600, 240)
MP3_KBPS = 192

#: B-frames between references; the video's start delay follows (see
#: video_start_delay).
B_FRAMES = 2

# H.264 profile_idc values for the CODECS attribute of the master playlist.
H264_PROFILE_IDC = {"baseline": 0x42, "main": 0x4D, "high": 0x64}
AAC_LC_CODEC = "mp4a.40.2"


@dataclass(frozen=True)
class Rung:
    name: str
    width: int
    height: int
    video_kbps: int
    fps: float

    @property
    def gop_frames(self) -> int:
        return max(1, round(self.fps * 2))


@dataclass
class TranscodePlan:
    kind: str
    duration: float
    profile: TranscodeProfile
    #: The chain the source's audio goes through first (loudness.normalise_filters).
    audio_filters: tuple[Filter, ...]
    video_stream: int | None = None
    audio_stream: int | None = None
    rungs: list[Rung] = field(default_factory=list)
    download: Rung | None = None
    poster_time: float = 0.0
    poster_size: tuple[int, int] = (0, 0)
    thumbnail_interval: float = 0.0
    thumbnail_size: tuple[int, int] = (0, 0)
    sprite_interval: float = 0.0
    tile_size: tuple[int, int] = (0, 0)
    #: One frame of the source at its nominal rate (chunks share the stills
    #: out by frame times: see still_grid).
    frame_seconds: float = 1 / 25

    @property
    def codecs_video(self) -> str:
        profile_idc = H264_PROFILE_IDC.get(self.profile.h264_profile, 0x64)
        level_idc = round(float(self.profile.h264_level) * 10)
        return f"avc1.{profile_idc:02x}00{level_idc:02x}"

    @property
    def sprite_tiles(self) -> int:
        return max(1, math.ceil(self.duration / self.sprite_interval))

    @property
    def thumbnail_count(self) -> int:
        return max(1, math.ceil(self.duration / self.thumbnail_interval))


def even(value: float) -> int:
    """H.264 4:2:0 needs even dimensions."""
    return max(2, int(round(value / 2)) * 2)


def fit(width: int, height: int, long_side: int) -> tuple[int, int]:
    scale = long_side / max(width, height)
    return even(width * scale), even(height * scale)


def choose_rungs(
    width: int, height: int, fps: float | None, profile: TranscodeProfile
) -> list[Rung]:
    """The profile's rungs that fit the source, never upscaled.

    A rung's "height" is the short side, so a vertical 1080×1920 video gets
    the same 1080p/720p/… ladder as a horizontal one, turned on its side.
    """
    short, portrait = min(width, height), height > width
    source_fps = fps or 25.0
    rungs = []
    for spec in sorted(profile.ladder, key=lambda r: -int(r["height"])):
        rung_short = int(spec["height"])
        if rung_short > short:
            continue
        rung_long = even(rung_short * max(width, height) / short)
        w, h = (rung_short, rung_long) if portrait else (rung_long, rung_short)
        rungs.append(
            Rung(
                name=f"{rung_short}p",
                width=even(w),
                height=even(h),
                video_kbps=int(spec["video_kbps"]),
                fps=round(min(source_fps, float(spec.get("max_fps") or 60)), 3),
            )
        )
    if not rungs:
        # Smaller than the lowest rung: one rung at the source's own size.
        lowest = min(profile.ladder, key=lambda r: int(r["height"]))
        rungs.append(
            Rung(
                name=f"{even(short)}p",
                width=even(width),
                height=even(height),
                video_kbps=int(lowest["video_kbps"]),
                fps=round(min(source_fps, float(lowest.get("max_fps") or 30)), 3),
            )
        )
    return rungs


def plan(
    *,
    probe: ProbeResult,
    kind: str,
    profile: TranscodeProfile,
    audio_filters: tuple[Filter, ...],
) -> TranscodePlan:
    duration = float(probe.duration or 0)
    result = TranscodePlan(
        kind=kind,
        duration=duration,
        profile=profile,
        audio_filters=tuple(audio_filters),
        audio_stream=probe.audio.index if probe.audio else None,
    )
    if kind == MediaKind.AUDIO:
        return result
    video = probe.video
    width, height = probe.display_size
    result.video_stream = video.index
    result.rungs = choose_rungs(width, height, video.frame_rate, profile)
    download_short = min(profile.download_height, min(width, height))
    result.download = min(
        result.rungs,
        key=lambda rung: abs(min(rung.width, rung.height) - download_short),
    )
    result.poster_time = min(duration * 0.1, 5.0)
    result.poster_size = fit(width, height, min(POSTER_LONG_SIDE, max(width, height)))
    result.thumbnail_interval = duration / THUMBNAIL_COUNT
    result.thumbnail_size = fit(width, height, THUMBNAIL_LONG_SIDE)
    result.sprite_interval = max(1.0, duration / SPRITE_MAX_TILES)
    result.tile_size = fit(width, height, SPRITE_TILE_LONG_SIDE)
    result.frame_seconds = 1 / (video.frame_rate or 25.0)
    return result


def _hls_muxer_options(
    profile: TranscodeProfile, var_stream_map: str | None
) -> dict[str, str]:
    """The hls muxer's options, for an output or a tee slave."""
    options = {
        "hls_time": str(profile.segment_seconds),
        "hls_playlist_type": "vod",
        "hls_segment_type": "fmp4",
        "hls_flags": "independent_segments",
        "hls_fmp4_init_filename": "init.mp4",
        "hls_segment_filename": "hls/%v/seg_%05d.m4s",
    }
    if var_stream_map:
        options["var_stream_map"] = var_stream_map
    return options


HLS_PLAYLISTS = "hls/%v/index.m3u8"


def _tee_escape(text: str, specials: str) -> str:
    """Backslash-escape ``specials``, quotes and backslashes for av_get_token."""
    return "".join(f"\\{c}" if c in specials + "'\\" else c for c in text)


def _tee_slave(fmt: str, options: dict[str, str], filename: str) -> str:
    """One slave of the tee muxer: ``[f=fmt:key=value:…]filename``.

    tee reads the slave list with two levels of escaping (ffmpeg-formats,
    "tee"): each option value is cut at ``:`` or ``]`` (var_stream_map is
    full of colons), then the whole slave is cut from the others at ``|``.
    ffmpeg-python passes a file name through as it is, so this stays ours.
    """
    pairs = [("f", fmt), *options.items()]
    spec = ":".join(f"{key}={_tee_escape(value, ':[]')}" for key, value in pairs)
    return _tee_escape(f"[{spec}]{filename}", "|")


def _x264_options(
    plan_: TranscodePlan,
    rungs: list[Rung],
    specifier: str,
    *,
    global_header: bool = False,
) -> dict[str, str]:
    """Encoder options for the rungs mapped as v:0…v:n of one output file.

    ``global_header`` is for muxers that do not ask for it themselves (tee).
    It shares ``-flags`` with ``+cgop`` because a second ``-flags`` would
    replace the first; without a stream specifier it reaches the audio
    encoder too, as the hls and mp4 muxers' own request does.
    """
    profile = plan_.profile
    key_every = profile.keyframe_seconds
    options = {
        "c:v": "libx264",
        "preset": profile.x264_preset,
        "profile:v": profile.h264_profile,
        "level:v": profile.h264_level,
        "pix_fmt": "yuv420p",
        # Keyframes at fixed times, closed GOPs, none at scene cuts: every
        # segment starts with an IDR and all rungs switch at the same points.
        "force_key_frames": f"expr:gte(t,n_forced*{key_every})",
        "sc_threshold": "0",
        "flags": "+cgop+global_header" if global_header else "+cgop",
        "bf": str(B_FRAMES),
    }
    for index, rung in enumerate(rungs):
        gop = str(max(1, round(rung.fps * key_every)))
        options |= {
            f"b:{specifier}:{index}": f"{rung.video_kbps}k",
            f"maxrate:{specifier}:{index}": f"{round(rung.video_kbps * 1.1)}k",
            f"bufsize:{specifier}:{index}": f"{rung.video_kbps * 2}k",
            f"g:{specifier}:{index}": gop,
            f"keyint_min:{specifier}:{index}": gop,
        }
    return options


def _aac_options(profile: TranscodeProfile) -> dict[str, str]:
    return {
        "c:a": "aac",
        "b:a": f"{profile.audio_kbps}k",
        "ac": "2",
        "ar": str(profile.audio_sample_rate),
    }


class _SourceFilter(FilterNode):
    """A filter with no input, such as anullsrc.

    ffmpeg-python 0.2.0 has none (kkroening/ffmpeg-python#111); the lavfi
    *input* it suggests instead would need the lavfi demuxer, which can open
    files (``movie=``) and so is not on the allow-list.
    """

    def __init__(self, name: str, **options):
        Node.__init__(
            self,
            stream_spec=None,
            name=name,
            incoming_stream_types={},
            outgoing_stream_type=FilterableStream,
            min_inputs=0,
            max_inputs=0,
            kwargs=options,
        )


def audio_source(plan_: TranscodePlan, source: FilterableStream) -> FilterableStream:
    """The audio to encode: the source's, through the plan's chain, or silence.

    Apple asks for stereo AAC in every HLS stream, so a video without sound
    gets a silent track rather than none.
    """
    if plan_.audio_stream is None:
        silence = _SourceFilter(
            "anullsrc", r=plan_.profile.audio_sample_rate, cl="stereo"
        ).stream()
        return silence.filter("atrim", duration=f"{plan_.duration:.3f}")
    audio = source[str(plan_.audio_stream)]
    for audio_filter in plan_.audio_filters:
        audio = audio_filter.apply(audio)
    return audio


def _scaled(stream: FilterableStream, size: tuple[int, int]) -> FilterableStream:
    width, height = size
    return stream.filter("scale", width, height, flags="bicubic").filter("setsar", 1)


def _rung_streams(
    plan_: TranscodePlan, branches: list[FilterableStream]
) -> list[FilterableStream]:
    """The first branches of a split, one a rung, at its rate and size."""
    return [
        _scaled(branches[i].filter("fps", rung.fps), (rung.width, rung.height))
        for i, rung in enumerate(plan_.rungs)
    ]


def _still_outputs(plan_: TranscodePlan, video: FilterableStream) -> list:
    """The poster, thumbnails and sprite tiles, read from ``video``.

    The stills keep a few dozen of the source's frames: each branch drops
    frames first and scales only those it keeps (scaling every frame first
    cost 4-10 % of the whole pass; see BENCHMARKS.md). The poster branch
    ends after its one frame.
    """
    stills = video.split()
    poster = _scaled(
        stills[0]
        .filter("select", f"gte(t,{plan_.poster_time:.3f})")
        .filter("trim", end_frame=1),
        plan_.poster_size,
    )
    thumbs = _scaled(
        stills[1].filter("fps", f"1/{plan_.thumbnail_interval:.6f}"),
        plan_.thumbnail_size,
    )
    # Sprite tiles one by one, laid out into sheets afterwards (sprites.py):
    # a tile filter here would start its output only once a sheet is full,
    # and ffmpeg prints no progress until every output has started.
    sprite = _scaled(
        stills[2].filter("fps", f"1/{plan_.sprite_interval:.6f}"), plan_.tile_size
    )
    return [
        poster.output("poster.jpg", **{"frames:v": "1", "q:v": "2"}),
        thumbs.output(THUMBNAIL_PATTERN, **{"q:v": "4"}),
        sprite.output(SPRITE_TILES),
    ]


def _rung_stream_map(rungs: list[Rung]) -> list[str]:
    return [f"v:{i},agroup:aac,name:{rung.name}" for i, rung in enumerate(rungs)]


#: The HLS audio rendition's entry in var_stream_map.
AUDIO_STREAM_MAP = "a:0,agroup:aac,name:audio"


def video_outputs(plan_: TranscodePlan, source: FilterableStream) -> OutputStream:
    """Every output of a video asset, read from ``source`` (a pinned input)."""
    rungs, download = plan_.rungs, plan_.download
    # One branch a rung and one low-resolution still branch.
    branches = source[str(plan_.video_stream)].split()
    ladder = _rung_streams(plan_, branches)

    # Every rung and one stereo AAC track, each encoded once. The tee muxer
    # writes them all into the HLS ladder (one shared audio rendition group)
    # and the download rung's video and the audio into the MP4 download too,
    # which used to encode that rung and the audio a second time with the
    # very same settings.
    stream_map = " ".join([AUDIO_STREAM_MAP, *_rung_stream_map(rungs)])
    hls = _tee_slave(
        "hls", _hls_muxer_options(plan_.profile, stream_map), HLS_PLAYLISTS
    )
    # The MP4 download, its index at the front so it plays while downloading.
    mp4 = _tee_slave(
        "mp4",
        {"movflags": "+faststart", "select": f"v:{rungs.index(download)},a:0"},
        "download.mp4",
    )
    renditions = ffmpeg_python.output(
        *ladder,
        audio_source(plan_, source),
        f"{hls}|{mp4}",
        format="tee",
        # The hls and mp4 muxers ask their encoders for global headers
        # (SPS/PPS in init.mp4 and the avcC box only); tee does not, and
        # without them x264 repeats SPS/PPS before every IDR, changing every
        # segment.
        **_x264_options(plan_, rungs, "v", global_header=True),
        **_aac_options(plan_.profile),
    )
    return ffmpeg_python.merge_outputs(
        renditions, *_still_outputs(plan_, branches[len(rungs)])
    )


def video_start_delay(plan_: TranscodePlan) -> float:
    """Seconds by which the single pass's muxer moves every stream: the
    B-frame reorder delay of its slowest rung (x264 holds back ``bf``
    frames). The audio, encoded apart from the video in a chunked
    transcode, is moved by as much to line up as it does in the single pass.
    """
    return B_FRAMES / min(rung.fps for rung in plan_.rungs)


def chunk_outputs(
    plan_: TranscodePlan, source: FilterableStream, *, start: float, end: float | None
) -> OutputStream:
    """Every rung of one chunk of a video (``source`` reads its time range,
    from ``start`` to ``end``, None for the end of the programme): the
    single pass's video, with the same settings, into HLS segments of their
    own, and the chunk's share of the stills (chunk_still_outputs). The
    audio is encoded once, apart (see chunking)."""
    branches = source[str(plan_.video_stream)].split()
    hls_options = _hls_muxer_options(
        plan_.profile, " ".join(_rung_stream_map(plan_.rungs))
    )
    renditions = ffmpeg_python.output(
        *_rung_streams(plan_, branches),
        HLS_PLAYLISTS,
        format="hls",
        **_x264_options(plan_, plan_.rungs, "v", global_header=True),
        # One x264 thread a rung: with frame threads and VBV, x264's output
        # changes from run to run (measured), and a chunk made again must
        # store the same bytes. Chunks run side by side for parallelism; the
        # init segments stay the single pass's.
        threads="1",
        **hls_options,
    )
    stills = chunk_still_outputs(
        plan_, branches[len(plan_.rungs)], start=start, end=end
    )
    return ffmpeg_python.merge_outputs(renditions, *stills)


#: How far a frame's time may be from a grid point and still count as on
#: it: far more than the rounding of timestamps, far less than a frame.
TIME_SLACK = 1e-6


def still_grid(
    interval: float, count: int, *, start: float, end: float | None, frame: float
) -> range:
    """The stills ``k`` (k < count) that a chunk from ``start`` to ``end``
    (None: the programme's end) makes, of a series one ``interval`` apart.

    Still ``k`` is the frame the single pass's fps filter picks for it: the
    last frame before ``(k + 0.5) × interval``, which at a constant rate is
    the first frame at or after its point, ``grid_offset`` earlier. A
    chunk's frames run from ``start`` to one ``frame`` before ``end``, so its
    first frame also takes the points since the frame before it, which the
    chunk before never reaches: every still belongs to exactly one chunk,
    whatever the chunking.
    """
    offset = grid_offset(interval, frame)

    def last_point_by(seconds: float) -> int:
        return math.floor((seconds - offset + TIME_SLACK) / interval)

    first = max(0, last_point_by(start - frame) + 1)
    last = count - 1 if end is None else min(count - 1, last_point_by(end - frame))
    return range(first, last + 1)


def grid_offset(interval: float, frame: float) -> float:
    """Where still 0's point lies (see still_grid)."""
    return interval / 2 - frame


def _grid_select(
    interval: float, count: int, *, start: float, frame: float, takes_first: bool
) -> str:
    """A select expression passing, in a chunk starting at ``start``, the
    first frame at or after each point of a still (see still_grid)."""
    shift = start - grid_offset(interval, frame) + TIME_SLACK

    def point(local: str) -> str:
        # Full precision: the chunk and the plan must agree on every point.
        return f"floor(({local}+{shift!r})/{interval!r})"

    return (
        f"if(isnan(prev_t),{int(takes_first)},gt({point('t')},{point('prev_t')}))"
        f"*lt({point('t')},{count})"
    )


def chunk_still_outputs(
    plan_: TranscodePlan, video: FilterableStream, *, start: float, end: float | None
) -> list:
    """The poster, thumbnails and sprite tiles that fall in one chunk, from
    the frames it decodes anyway (a pass of their own over a long 1080p
    programme cost an eighth of all the chunks' work). Files are numbered as
    the single pass numbers them. Every still output holds ffmpeg's progress
    back until its first frame, so only those the chunk makes are added."""
    frame = plan_.frame_seconds
    outputs = []
    branches = video.split()
    poster_at = plan_.poster_time
    if start - frame < poster_at + TIME_SLACK and (
        end is None or poster_at <= end - frame + TIME_SLACK
    ):
        poster = branches[len(outputs)]
        outputs.append(
            _scaled(
                poster.filter(
                    "select", f"gte(t,{poster_at - start - TIME_SLACK:.6f})"
                ).filter("trim", end_frame=1),
                plan_.poster_size,
            ).output("poster.jpg", **{"frames:v": "1", "q:v": "2"})
        )
    grids = [
        (
            plan_.thumbnail_interval,
            plan_.thumbnail_count,
            plan_.thumbnail_size,
            THUMBNAIL_PATTERN,
            {"q:v": "4"},
        ),
        (
            plan_.sprite_interval,
            plan_.sprite_tiles,
            plan_.tile_size,
            SPRITE_TILES,
            {},
        ),
    ]
    for interval, count, size, pattern, options in grids:
        points = still_grid(interval, count, start=start, end=end, frame=frame)
        if not points:
            continue
        chosen = branches[len(outputs)].filter(
            "select",
            _grid_select(
                interval,
                count,
                start=start,
                frame=frame,
                takes_first=points[0] * interval + grid_offset(interval, frame)
                <= start + TIME_SLACK,
            ),
        )
        outputs.append(
            _scaled(chosen, size).output(
                pattern,
                start_number=str(points[0] + 1),
                # The image muxer is treated as constant-rate: without
                # this, ffmpeg fills the gaps between the chosen frames
                # with copies.
                fps_mode="passthrough",
                **options,
            )
        )
    return outputs


def audio_track_outputs(plan_: TranscodePlan, source: FilterableStream) -> OutputStream:
    """The HLS audio rendition of a chunked video, encoded once for the
    whole programme (AAC priming in every chunk would damage each join),
    moved by the video's start delay as the single pass's muxer moves it."""
    return ffmpeg_python.output(
        audio_source(plan_, source),
        HLS_PLAYLISTS,
        format="hls",
        output_ts_offset=f"{video_start_delay(plan_):.6f}",
        # The single pass's flags reach its audio encoder too (see
        # _x264_options), and the init segment records them.
        flags="+cgop+global_header",
        **_aac_options(plan_.profile),
        **_hls_muxer_options(plan_.profile, AUDIO_STREAM_MAP),
    )


def download_outputs(video: FilterableStream, audio: FilterableStream) -> OutputStream:
    """The MP4 download remuxed from the download rung's joined segments and
    the audio's, both read as MP4 (not through the concat demuxer, which the
    runner refuses), with its index at the front."""
    return ffmpeg_python.output(
        video["v:0"],
        audio["a:0"],
        "download.mp4",
        format="mp4",
        c="copy",
        movflags="+faststart",
    )


def audio_outputs(plan_: TranscodePlan, source: FilterableStream) -> OutputStream:
    """Every output of an audio-only asset, read from ``source``."""
    wave_w, wave_h = WAVEFORM_SIZE
    copies = audio_source(plan_, source).asplit()
    waveform = copies[3].filter(
        "showwavespic", s=f"{wave_w}x{wave_h}", split_channels=0, colors="0x0b6e4f"
    )
    aac = _aac_options(plan_.profile)
    return ffmpeg_python.merge_outputs(
        copies[0].output(
            HLS_PLAYLISTS,
            format="hls",
            **aac,
            **_hls_muxer_options(plan_.profile, "a:0,name:audio"),
        ),
        copies[1].output("audio.m4a", movflags="+faststart", **aac),
        copies[2].output(
            "audio.mp3",
            **{
                "c:a": "libmp3lame",
                "b:a": f"{MP3_KBPS}k",
                "ar": str(plan_.profile.audio_sample_rate),
            },
        ),
        waveform.output("waveform.png", **{"frames:v": "1"}),
    )


def outputs(plan_: TranscodePlan, source: FilterableStream) -> OutputStream:
    """The whole ladder of ``plan_`` as one ffmpeg-python graph, for
    ffmpeg.run_ffmpeg; ``source`` is ffmpeg.pinned_input's stream."""
    if plan_.kind == MediaKind.AUDIO:
        return audio_outputs(plan_, source)
    return video_outputs(plan_, source)
