"""The one-pass pipeline against the alternatives, on one generated clip.

Contenders, each timed end to end, in rotating order for several rounds:

``pipeline``
    ``manage.py ingest CLIP --wait`` run in this process (``call_command``,
    so interpreter and Django start-up are not counted): SHA-256 and store
    the original in the filesystem storage, copy it to a work folder,
    ffprobe and validate, measure loudness (loudnorm analysis of the audio
    only), the one ffmpeg pass with the measured (linear) normalisation,
    master playlist and sprite track, store every output, publish.
``one_pass``
    The same ffmpeg arguments, from ``ladder.outputs(plan, …)``, run bare
    with subprocess on the same local file, writing to a local folder. The
    only difference in the arguments: loudnorm runs in its single-pass
    dynamic mode, which needs no measurement beforehand. No hashing, no
    probing, no copying, no database.
``one_pass_no_stills``
    ``one_pass`` without the poster, thumbnail and sprite branches (only
    the part of the graph that feeds the HLS ladder and the MP4 download).
``per_rendition``
    The usual alternative: one ffmpeg per output, one after the other, each
    reading and decoding the source again: one per HLS video rung, one for
    the HLS audio rendition, one for the MP4 download, one each for poster,
    thumbnails and sprite. Same encoder settings, same dynamic loudnorm, and
    the cheapest honest command for each (the poster seeks to its frame
    instead of decoding up to it). No probing, hashing or storing either, so
    the comparison is generous to this side.
"""

import io
import re
import shutil
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from .timing import DISTURBED, Sample, Series, rotated, stopwatch, wait_for_quiet

PIPELINE = "pipeline"
ONE_PASS = "one_pass"
NO_STILLS = "one_pass_no_stills"
PER_RENDITION = "per_rendition"

# Written by the pipeline in Python after ffmpeg has finished.
PIPELINE_ONLY_OUTPUTS = {"hls/master.m3u8", "sprite/sprite.vtt"}
STILL_OUTPUTS = re.compile(r"^(poster\.jpg|thumbs/|sprite/)")
# ffmpeg numbers fMP4 init segments by the variant's place in the command.
INIT_SEGMENT = re.compile(r"init_\d+\.mp4$")


@dataclass
class Workload:
    clip: Path
    demuxer: str
    plan: object  # ladder.TranscodePlan, with dynamic loudnorm
    scratch: Path

    @property
    def out(self) -> Path:
        return self.scratch / "out"


def dynamic_loudnorm(profile) -> tuple:
    """loudnorm in single-pass dynamic mode: no measured values needed."""
    from media_pipeline.ffmpeg import Filter
    from media_pipeline.pipeline import loudness_target

    target = loudness_target(profile)
    return (
        Filter(
            "loudnorm",
            options={
                "I": target.integrated,
                "TP": target.true_peak,
                "LRA": target.loudness_range,
            },
        ),
        Filter("aresample", (profile.audio_sample_rate,)),
    )


def workload_prepare(clip: Path, scratch: Path) -> Workload:
    from media_pipeline import ffmpeg, ladder
    from media_pipeline.services.jobs import default_profile
    from media_pipeline.validation import validate_probe

    probed = ffmpeg.probe(clip)
    kind = validate_probe(probed)
    profile = default_profile()
    plan = ladder.plan(
        probe=probed,
        kind=kind,
        profile=profile,
        audio_filters=dynamic_loudnorm(profile),
    )
    if plan.video_stream is None or plan.audio_stream is None:
        raise RuntimeError("the benchmark clip must have video and sound")
    return Workload(clip=clip, demuxer=probed.demuxer, plan=plan, scratch=scratch)


def source_input(workload: Workload, **input_options):
    """The clip as an ffmpeg-python input, its demuxer pinned as the pipeline
    pins it (``input_options`` such as ``ss`` go before ``-i``)."""
    import ffmpeg as ffmpeg_python

    return ffmpeg_python.input(
        str(workload.clip), format=workload.demuxer, **input_options
    )


def bare_command(outputs) -> list[str]:
    """ffmpeg-python's command for ``outputs``, with quiet logging only."""
    from media_pipeline.ffmpeg import FFMPEG

    binary, *arguments = outputs.compile(cmd=FFMPEG)
    return [binary, "-hide_banner", "-nostdin", "-y", "-loglevel", "error"] + arguments


# --- Variants of the one-pass command ----------------------------------------


def without_stills(outputs):
    """The one-pass graph with the still branch and image outputs cut out.

    The first of the merged outputs is the tee output (HLS ladder and MP4
    download); compiled alone, it brings only the part of the real graph
    that feeds it, so the ladder part stays exactly what the pipeline runs
    (the first split loses its still branch by itself). Fails loudly if the
    graph no longer has that shape.
    """
    first = outputs.node.incoming_edges[0].upstream_node
    if first.kwargs.get("format") != "tee":
        raise RuntimeError("ladder outputs changed: the tee output is not first")
    return first.stream()


def per_rendition_commands(workload: Workload) -> list[tuple[str, list[str]]]:
    """One ffmpeg per output, as a one-job-per-rendition system runs them."""
    import ffmpeg as ffmpeg_python

    from media_pipeline.ladder import (
        HLS_PLAYLISTS,
        SPRITE_COLUMNS,
        SPRITE_ROWS,
        _aac_options,
        _hls_muxer_options,
        _x264_options,
        audio_source,
    )

    plan = workload.plan
    profile = plan.profile
    source = source_input(workload)
    video = source[str(plan.video_stream)]

    def picture(rung):
        return (
            video.filter("fps", rung.fps)
            .filter("scale", rung.width, rung.height, flags="bicubic")
            .filter("setsar", 1)
        )

    commands = []
    for rung in plan.rungs:
        outputs = picture(rung).output(
            HLS_PLAYLISTS,
            format="hls",
            **_x264_options(plan, [rung], "v"),
            **_hls_muxer_options(profile, f"v:0,name:{rung.name}"),
        )
        commands.append((f"HLS {rung.name}", bare_command(outputs)))
    outputs = audio_source(plan, source).output(
        HLS_PLAYLISTS,
        format="hls",
        **_aac_options(profile),
        **_hls_muxer_options(profile, "a:0,name:audio"),
    )
    commands.append(("HLS audio", bare_command(outputs)))
    outputs = ffmpeg_python.output(
        picture(plan.download),
        audio_source(plan, source),
        "download.mp4",
        movflags="+faststart",
        **_x264_options(plan, [plan.download], "v"),
        **_aac_options(profile),
    )
    commands.append(("MP4 download", bare_command(outputs)))
    pw, ph = plan.poster_size
    seeking = source_input(workload, ss=f"{plan.poster_time:.3f}")
    outputs = (
        seeking[str(plan.video_stream)]
        .filter("scale", pw, ph, flags="bicubic")
        .output("poster.jpg", **{"frames:v": "1", "q:v": "2"})
    )
    commands.append(("poster", bare_command(outputs)))
    tw, th = plan.thumbnail_size
    outputs = (
        video.filter("fps", f"1/{plan.thumbnail_interval:.6f}")
        .filter("scale", tw, th)
        .output("thumbs/thumb_%04d.jpg", **{"q:v": "4"})
    )
    commands.append(("thumbnails", bare_command(outputs)))
    sw, sh = plan.tile_size
    outputs = (
        video.filter("fps", f"1/{plan.sprite_interval:.6f}")
        .filter("scale", sw, sh)
        .filter("tile", f"{SPRITE_COLUMNS}x{SPRITE_ROWS}")
        .output("sprite/sprite_%03d.jpg", **{"q:v": "5"})
    )
    commands.append(("sprite", bare_command(outputs)))
    return commands


# --- Running ------------------------------------------------------------------


def out_prepare(out: Path) -> None:
    """A fresh output folder laid out as the pipeline lays out its own."""
    shutil.rmtree(out, ignore_errors=True)
    for folder in ("hls", "thumbs", "sprite"):
        (out / folder).mkdir(parents=True)


def run_command(command: list[str], cwd: Path) -> None:
    completed = subprocess.run(
        command, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"ffmpeg failed ({completed.returncode}):\n{' '.join(command)}\n"
            f"{completed.stderr[-3000:]}"
        )


def relative_files(root: Path) -> set[str]:
    return {
        INIT_SEGMENT.sub("init.mp4", path.relative_to(root).as_posix())
        for path in root.rglob("*")
        if path.is_file()
    }


class PhaseTimer:
    """Wall time of each step of a pipeline run, by wrapping the functions the
    pipeline calls (nothing in the pipeline is changed)."""

    # (phase, module, function); a phase may wrap several functions.
    TARGETS = (
        (
            "store original",
            "media_pipeline.services.ingest",
            "asset_create_from_upload",
        ),
        ("  of which SHA-256", "media_pipeline.services.assets", "sha256_of_file"),
        ("copy to work folder", "media_pipeline.pipeline", "copy_to_local"),
        ("ffprobe", "media_pipeline.ffmpeg", "probe"),
        ("loudness measurement", "media_pipeline.loudness", "measure"),
        ("transcode (one ffmpeg)", "media_pipeline.ffmpeg", "run_ffmpeg"),
        ("playlists, sprite track", "media_pipeline.pipeline", "write_master_playlist"),
        ("playlists, sprite track", "media_pipeline.pipeline", "write_sprite_track"),
        ("playlists, sprite track", "media_pipeline.pipeline", "describe_outputs"),
        ("store outputs", "media_pipeline.pipeline", "upload_tree"),
    )
    NESTED = ("  of which SHA-256",)

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)

    def _wrap(self, phase: str, function: Callable) -> Callable:
        def timed(*args, **kwargs):
            start = time.monotonic()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[phase] += time.monotonic() - start

        return timed

    @contextmanager
    def installed(self):
        import importlib

        with ExitStack() as stack:
            for phase, module_name, name in self.TARGETS:
                module = importlib.import_module(module_name)
                wrapped = self._wrap(phase, getattr(module, name))
                stack.enter_context(mock.patch.object(module, name, wrapped))
            yield self

    def breakdown(self, total: float) -> dict[str, float]:
        phases = {phase: self.seconds.get(phase, 0.0) for phase, *_ in self.TARGETS}
        top_level = sum(v for k, v in phases.items() if k not in self.NESTED)
        phases["database, jobs, clean-up"] = total - top_level
        phases["total"] = total
        return phases


def pipeline_reset() -> None:
    """Forget the previous run's asset, so the same clip is not a duplicate."""
    from django.conf import settings

    from media_pipeline.models import MediaAsset

    MediaAsset.objects.all().delete()
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


def pipeline_run(clip: Path) -> int:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("ingest", str(clip), "--wait", "--title", "基准测试", stdout=out)
    return int(out.getvalue().split()[-1])


def pipeline_outputs(asset_id: int) -> set[str]:
    from media_pipeline.models import AssetStatus, MediaAsset
    from media_pipeline.storage import walk

    asset = MediaAsset.objects.select_related("published_job").get(pk=asset_id)
    if asset.status != AssetStatus.READY:
        raise RuntimeError(f"pipeline did not finish: {asset.failure_reason}")
    prefix = asset.published_job.output_prefix + "/"
    return {
        INIT_SEGMENT.sub("init.mp4", name.removeprefix(prefix)) for name in walk(prefix)
    }


@dataclass
class PipelineResults:
    clip: dict
    series: dict[str, Series]
    phases: list[dict[str, float]] = field(default_factory=list)
    steps: list[dict[str, float]] = field(default_factory=list)
    output_checks: list[str] = field(default_factory=list)
    commands: dict[str, list] = field(default_factory=dict)
    # Samples run again because other processes took much of the machine.
    discarded: dict[str, int] = field(default_factory=dict)


def clip_facts(workload: Workload) -> dict:
    plan = workload.plan
    size = workload.clip.stat().st_size
    rungs = ", ".join(f"{r.name} {r.video_kbps}k" for r in plan.rungs)
    return {
        "duration": plan.duration,
        "size_mb": round(size / 1e6, 1),
        "mbps": round(size * 8 / plan.duration / 1e6, 1),
        "rungs": rungs,
        "download": plan.download.name,
        "x264_preset": plan.profile.x264_preset,
    }


def run(
    *,
    clip: Path,
    scratch: Path,
    rounds: int,
    quiet_wait: float = 0.0,
    retry_disturbed: int = 0,
    log: Callable[[str], None] = print,
) -> PipelineResults:
    workload = workload_prepare(clip, scratch)
    plan = workload.plan
    from media_pipeline.ladder import outputs

    one_pass_outputs = outputs(plan, source_input(workload))
    one_pass = bare_command(one_pass_outputs)
    no_stills = bare_command(without_stills(one_pass_outputs))
    per_rendition = per_rendition_commands(workload)

    names = [PIPELINE, ONE_PASS, NO_STILLS, PER_RENDITION]
    results = PipelineResults(
        clip=clip_facts(workload),
        series={name: Series(name) for name in names},
        commands={
            ONE_PASS: one_pass,
            NO_STILLS: no_stills,
            PER_RENDITION: [command for _name, command in per_rendition],
        },
    )
    out = workload.out
    file_sets: dict[str, set[str]] = {}

    # Each contender returns its sample and, for two of them, the time of
    # each of its steps.
    def timed_pipeline() -> tuple[Sample, dict]:
        pipeline_reset()
        phases = PhaseTimer()
        with phases.installed(), stopwatch() as watch:
            asset_id = pipeline_run(clip)
        file_sets.setdefault(PIPELINE, pipeline_outputs(asset_id))
        return watch.sample, phases.breakdown(watch.sample.wall)

    def timed_bare(name: str, command: list[str]):
        def timed() -> tuple[Sample, None]:
            out_prepare(out)
            with stopwatch() as watch:
                run_command(command, out)
            file_sets.setdefault(name, relative_files(out))
            return watch.sample, None

        return timed

    def timed_per_rendition() -> tuple[Sample, dict]:
        out_prepare(out)
        steps = {}
        with stopwatch() as watch:
            for step, command in per_rendition:
                start = time.monotonic()
                run_command(command, out)
                steps[step] = time.monotonic() - start
        file_sets.setdefault(PER_RENDITION, relative_files(out))
        return watch.sample, steps

    contenders = {
        PIPELINE: timed_pipeline,
        ONE_PASS: timed_bare(ONE_PASS, one_pass),
        NO_STILLS: timed_bare(NO_STILLS, no_stills),
        PER_RENDITION: timed_per_rendition,
    }
    details = {PIPELINE: results.phases, PER_RENDITION: results.steps}
    for round_index in range(rounds):
        for name in rotated(names, round_index):
            for attempt in range(retry_disturbed + 1):
                waited = wait_for_quiet(max_seconds=quiet_wait)
                sample, detail = contenders[name]()
                log(
                    f"  round {round_index + 1}/{rounds}  {name:<26} "
                    f"{sample.wall:6.1f} s wall {sample.cpu:6.1f} CPU-s; others "
                    f"took {sample.contention:4.0%} of the CPU (waited {waited:.0f} s)"
                )
                if sample.contention <= DISTURBED or attempt == retry_disturbed:
                    break
                results.discarded[name] = results.discarded.get(name, 0) + 1
                log("    disturbed by other processes: discarded, once more")
            results.series[name].samples.append(sample)
            if name in details:
                details[name].append(detail)
    shutil.rmtree(out, ignore_errors=True)
    pipeline_reset()
    results.output_checks = check_outputs(file_sets)
    return results


#: Sprite sheets, and the tiles the bare pass writes for the pipeline to lay
#: out into sheets (see media_pipeline/sprites.py): the same output.
SPRITE_FILES = re.compile(r"^sprite/(sprite_\d+\.jpg|tile_\d+\.bmp)$")


def _sprites_as_one(files: set[str]) -> set[str]:
    return {"sprite/sheets" if SPRITE_FILES.match(name) else name for name in files}


def check_outputs(file_sets: dict[str, set[str]]) -> list[str]:
    """Do the contenders make the same files? Problems, as sentences."""
    file_sets = {name: _sprites_as_one(files) for name, files in file_sets.items()}
    problems = []
    reference = file_sets.get(ONE_PASS, set())
    expected = {
        PIPELINE: reference | PIPELINE_ONLY_OUTPUTS,
        PER_RENDITION: reference,
        NO_STILLS: {name for name in reference if not STILL_OUTPUTS.match(name)},
    }
    for name, files in file_sets.items():
        if name == ONE_PASS:
            continue
        missing = sorted(expected[name] - files)
        extra = sorted(files - expected[name])
        if missing or extra:
            problems.append(
                f"{name}: missing {missing[:8]}{'…' if len(missing) > 8 else ''}, "
                f"extra {extra[:8]}{'…' if len(extra) > 8 else ''}"
            )
    return problems
