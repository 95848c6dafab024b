"""`make bench`: every benchmark, then one table of ratios against targets.

    .venv/bin/python -m bench.run [--rounds 3] [--clip-seconds 30]
        [--upload-mib 2048] [--chunk-mib 64] [--quiet-wait 10]
        [--retry-disturbed 0]
        [--api-items 10000] [--api-seconds 3] [--api-conn-max-age 600]
        [--api-threads 1] [--search-pages 5000]
        [--scale-requests 20] [--load-seconds 3]
        [--chunked-seconds 600] [--chunked-workers 2] [--chunked-chunk-seconds 60]
        [--chunked-clip PATH]
        [--skip-pipeline] [--skip-upload] [--skip-api] [--skip-search]
        [--skip-scale] [--skip-load] [--skip-chunked] [--postgres URL]
        [--json results.json] [--keep]

Search alone (a few minutes): ``--skip-pipeline --skip-upload --skip-api``.

Everything runs in one temporary folder (database, media, clip, uploads),
removed at the end unless ``--keep``.

Targets are judged on wall-clock medians, as they are stated. Every sample
also records the CPU time of the contender and the share of the machine's CPU
other processes took meanwhile; where that share is large (a shared machine)
the wall verdict is marked as disturbed and the CPU-time verdict given too.
"""

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

from . import environment
from .media import MiB
from .timing import DISTURBED

UPLOAD_GROWTH_TARGET_MB = 50.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each contender")
    parser.add_argument(
        "--clip-seconds", type=float, default=30, help="length of the 1080p clip"
    )
    parser.add_argument(
        "--upload-mib",
        type=int,
        default=None,
        help="size of the tus upload (default 2048, or 1024 if disk is short)",
    )
    parser.add_argument("--chunk-mib", type=int, default=64, help="tus chunk size")
    parser.add_argument(
        "--api-items",
        type=int,
        default=10_000,
        help="delivered items behind the partner API",
    )
    parser.add_argument(
        "--api-seconds",
        type=float,
        default=3,
        help="length of one partner API load sample",
    )
    parser.add_argument(
        "--api-conn-max-age",
        type=int,
        default=600,
        help="CONN_MAX_AGE of the partner API's server (0: a connection a request)",
    )
    parser.add_argument(
        "--api-threads",
        type=int,
        default=1,
        help="threads of the partner API's server process",
    )
    parser.add_argument(
        "--search-pages",
        type=int,
        default=5_000,
        help="generated pages behind the search benchmark",
    )
    parser.add_argument("--skip-pipeline", action="store_true")
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument(
        "--scale-requests",
        type=int,
        default=20,
        help="timed requests of each page at each size of the scale benchmark",
    )
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument(
        "--load-seconds",
        type=float,
        default=3,
        help="length of one wrk sample of the load benchmark",
    )
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument(
        "--chunked-seconds",
        type=float,
        default=float(os.environ.get("BENCH_CHUNKED_SECONDS", 600)),
        help="length of the generated 1080p programme of the chunked benchmark "
        "(or env BENCH_CHUNKED_SECONDS)",
    )
    parser.add_argument(
        "--chunked-workers",
        type=int,
        default=2,
        help="Celery worker processes of the chunked run, one core each",
    )
    parser.add_argument(
        "--chunked-chunk-seconds",
        type=int,
        default=60,
        help="MEDIA_CHUNK_SECONDS of the chunked run",
    )
    parser.add_argument(
        "--chunked-clip",
        type=Path,
        help="an existing clip for the chunked benchmark instead of a generated "
        "one (kept)",
    )
    parser.add_argument("--skip-chunked", action="store_true")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=10,
        help="before each run, wait up to this many seconds for the rest of "
        "the machine to go quiet (0: never wait)",
    )
    parser.add_argument(
        "--retry-disturbed",
        type=int,
        default=0,
        help="run a sample again, up to this many times, when other processes "
        f"took more than {DISTURBED:.0%}% of the CPU during it",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default="",
        help="run on a new PostgreSQL database made on this server (e.g. "
        "postgres://postgres@127.0.0.1:5432/postgres) and dropped at the end, "
        "instead of the embedded SQLite",
    )
    parser.add_argument("--json", type=Path, help="write every number here too")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    return parser.parse_args(argv)


class Log:
    def __init__(self):
        self.start = time.monotonic()

    def __call__(self, message: str) -> None:
        elapsed = time.monotonic() - self.start
        print(f"[{elapsed:6.0f} s] {message}", flush=True)


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def verdict(
    value: float, target: float, *, strict: bool = False, at_least: bool = False
) -> str:
    if math.isnan(value):
        return "n/a"
    if at_least:
        return "met" if value >= target else "MISSED"
    met = value < target if strict else value <= target
    return "met" if met else "MISSED"


def pipeline_report(results) -> tuple[list[str], dict]:
    from .pipeline_bench import (
        NO_STILLS,
        ONE_PASS,
        PER_RENDITION,
        PIPELINE,
    )
    from .timing import median

    series = results.series
    clip = results.clip
    lines = [
        f"Clip: {clip['duration']:.1f} s 1920x1080, {clip['size_mb']} MB "
        f"({clip['mbps']} Mbit/s); ladder {clip['rungs']}; MP4 {clip['download']}; "
        f"x264 {clip['x264_preset']}",
        "",
        f"{'contender':<34}{'median wall':>12}{'min–max':>16}"
        f"{'median CPU':>12}{'others took':>13}{'quiet runs':>12}",
    ]
    labels = {
        PIPELINE: "pipeline (ingest --wait)",
        ONE_PASS: "one pass, bare ffmpeg",
        NO_STILLS: "one pass, bare, no stills",
        PER_RENDITION: "one ffmpeg per rendition",
    }
    for name, s in series.items():
        walls = s.walls
        lines.append(
            f"{labels[name]:<34}{s.wall:>10.1f} s{min(walls):>9.1f}–{max(walls):<5.1f}"
            f"{s.cpu:>10.1f} s{s.contention:>12.0%}"
            f"{f'{len(s.quiet)}/{len(s.samples)}':>12}"
        )
    lines += ["", "Pipeline, step by step (median of runs, wall seconds):"]
    for phase in results.phases[0]:
        value = median([p[phase] for p in results.phases])
        lines.append(f"  {phase:<32}{value:>8.2f}")
    lines += ["", "One ffmpeg per rendition, command by command (median, wall s):"]
    for step in results.steps[0]:
        value = median([s[step] for s in results.steps])
        lines.append(f"  {step:<32}{value:>8.2f}")
    discarded = {name: n for name, n in results.discarded.items() if n}
    if discarded:
        lines += [
            "",
            "Disturbed samples run again: "
            + ", ".join(f"{name} {n}" for name, n in discarded.items()),
        ]
    if results.output_checks:
        lines += ["", "WARNING, outputs differ:", *results.output_checks]
    else:
        lines += ["", "Outputs: every contender made the same files."]

    pipe, bare = series[PIPELINE], series[ONE_PASS]
    rungs, per = series[NO_STILLS], series[PER_RENDITION]

    def entry(compute, *involved) -> dict:
        """One ratio three ways: wall medians, CPU medians, and wall medians
        of the undisturbed samples only (when every contender has some)."""
        quiet = None
        if all(s.quiet for s in involved):
            quiet = compute(lambda s: s.quiet_wall)
        return {
            "wall": compute(lambda s: s.wall),
            "cpu": compute(lambda s: s.cpu),
            "quiet_wall": quiet,
            "quiet_samples": min(len(s.quiet) for s in involved),
            "contention": max(s.contention for s in involved),
        }

    def stills_cost(with_stills):
        return lambda v: ratio(v(with_stills) - v(rungs), v(rungs))

    outside = median([p["total"] - p["transcode (one ffmpeg)"] for p in results.phases])
    transcode = median([p["transcode (one ffmpeg)"] for p in results.phases])
    ratios = {
        "pipeline_vs_one_pass": entry(lambda v: ratio(v(pipe), v(bare)), pipe, bare),
        "pipeline_outside_ffmpeg_vs_one_pass": {"wall": ratio(outside, bare.wall)},
        "pipeline_ffmpeg_step_vs_one_pass": {"wall": ratio(transcode, bare.wall)},
        "pipeline_vs_per_rendition": entry(lambda v: ratio(v(pipe), v(per)), pipe, per),
        "stills_vs_ladder": entry(stills_cost(bare), bare, rungs),
    }
    return lines, ratios


# (number, label, key, target); the target is a ceiling, or a floor where
# the key is in AT_LEAST.
SUMMARY_ROWS = (
    ("1", "pipeline ÷ bare one pass", "pipeline_vs_one_pass", 1.05),
    (
        "1a",
        "  its steps outside ffmpeg ÷ one pass",
        "pipeline_outside_ffmpeg_vs_one_pass",
        None,
    ),
    (
        "1b",
        "  its ffmpeg step ÷ bare one pass",
        "pipeline_ffmpeg_step_vs_one_pass",
        None,
    ),
    ("2", "pipeline ÷ one ffmpeg per rendition", "pipeline_vs_per_rendition", 0.85),
    ("3", "stills ÷ ladder, inside the one pass", "stills_vs_ladder", 0.05),
    ("5", "items ÷ bare JsonResponse (uncached)", "api_uncached_vs_bare", 0.5),
    ("5b", "  same, every cache emptied first", "api_cold_vs_bare", 0.5),
    ("5c", "  same, nothing stored either", "api_unstored_cold_vs_bare", None),
    ("6", "items ÷ bare (ETag 304 / cache)", "api_304_vs_bare", 0.9),
    ("6b", "  items ÷ bare (200 from the cache)", "api_cached_vs_bare", 0.9),
    ("7", "public segment ÷ bare static file", "media_segment_vs_static", 0.8),
    ("8", "search p95 ÷ stock database backend", "search_p95_vs_stock", None),
    ("9", "slowest page p95 at 3,400 ÷ at 100 items", "scale_p95_large_vs_small", 1.5),
    ("10", "public page req/s ÷ bare copy (worst)", "load_rps_vs_bare", 0.5),
    ("10b", "  bare copy p95 ÷ page p95 (worst)", "load_p95_vs_bare", 0.5),
    (
        "11",
        "chunked: single ÷ (N workers × wall)",
        "chunked_efficiency",
        0.9,
    ),
)
AT_LEAST = {
    "api_uncached_vs_bare",
    "api_unstored_cold_vs_bare",
    "api_cold_vs_bare",
    "api_304_vs_bare",
    "api_cached_vs_bare",
    "media_segment_vs_static",
    "load_rps_vs_bare",
    "load_p95_vs_bare",
    "chunked_efficiency",
}
PARTNER_API_KEYS = {key for key in AT_LEAST if key.startswith(("api_", "media_"))}


def _number(value) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.3f}"


def summary_table(ratios: dict, upload) -> list[str]:
    lines = [
        f"{'':<4}{'ratio (of medians)':<42}{'target':>8}{'wall':>8}{'CPU':>8}"
        f"{'quiet':>8}  result",
    ]
    for number, label, key, target in SUMMARY_ROWS:
        if key not in ratios:
            continue
        found = ratios[key]
        at_least = key in AT_LEAST
        sign = "≥" if at_least else "≤"
        line = (
            f"{number:<4}{label:<42}"
            f"{'' if target is None else f'{sign} {target}':>8}"
            f"{_number(found['wall']):>8}{_number(found.get('cpu')):>8}"
            f"{_number(found.get('quiet_wall')):>8}"
        )
        if target is not None:
            line += f"  {verdict(found['wall'], target, at_least=at_least)}"
            if found["contention"] > DISTURBED:
                cpu_verdict = verdict(found["cpu"], target, at_least=at_least)
                line += (
                    f" — disturbed, others took {found['contention']:.0%} of the "
                    f"CPU; by CPU time: {cpu_verdict}"
                )
                if found["quiet_wall"] is not None:
                    quiet_verdict = verdict(
                        found["quiet_wall"], target, at_least=at_least
                    )
                    line += (
                        f"; quiet runs only ({found['quiet_samples']}+): "
                        f"{quiet_verdict}"
                    )
        lines.append(line)
    if upload is not None:
        growth_mb = upload.growth_kib * 1024 / 1e6
        label = f"web process growth, {upload.size_bytes / MiB:.0f} MiB tus upload"
        lines.append(
            f"{'4':<4}{label:<42}{'< 50 MB':>8}{growth_mb:>6.1f}MB{'':>16}  "
            f"{verdict(growth_mb, UPLOAD_GROWTH_TARGET_MB, strict=True)}"
        )
    lines += [
        "",
        "wall: medians of all runs; CPU: medians of CPU time (ffmpeg and Python);",
        f"quiet: wall medians of the runs where others took ≤ {DISTURBED:.0%} of "
        "the CPU.",
    ]
    if any(key in ratios for key in PARTNER_API_KEYS):
        lines += [
            "Partner API (5–6b): requests per second ÷ the bare view's sampled "
            "beside it; CPU: the",
            "server's CPU time per request, bare ÷ items. 5: every page made from "
            "the database (page",
            "cache off), items read with the rows from their stored JSON; 5b: the "
            "partner API's caches",
            "emptied before every request; 5c: the same, stored items not read "
            "(every item built);",
            "6: a 304 (no body) against the bare view's full 200.",
        ]
    return lines


def upload_report(upload) -> list[str]:
    mib = 1024

    def fmt(kib):
        return f"{kib / mib:.1f} MiB"

    hwm_note = "" if upload.peak_reset else ", not reset"
    throughput = upload.size_bytes / MiB / max(upload.upload_seconds, 1e-9)
    lines = [
        f"Upload: {upload.size_bytes / MiB:.0f} MiB in {upload.chunk_bytes / MiB:.0f}"
        f" MiB chunks, {upload.upload_seconds:.1f} s ({throughput:.0f} MiB/s); "
        f"last PATCH (hash + store) {upload.last_patch_seconds:.1f} s",
        f"  RSS at start {fmt(upload.rss_start_kib)}, after warm-up upload "
        f"{fmt(upload.rss_before_kib)}, peak during upload "
        f"{fmt(upload.hwm_during_kib)} (VmHWM{hwm_note}), "
        f"polled peak {fmt(upload.polled_peak_kib)}, "
        f"after {fmt(upload.rss_after_kib)}",
        f"  growth: {fmt(upload.growth_kib)} ({upload.growth_kib * 1024 / 1e6:.1f} MB)"
        f" over the warmed-up server, {fmt(upload.growth_from_start_kib)} over the "
        f"freshly started one; stored original matches: "
        f"{'yes' if upload.stored_ok else 'NO'}",
    ]
    if upload.size_note:
        lines.append(f"  note: {upload.size_note}")
    lines += [f"  note: {note}" for note in upload.notes]
    return lines


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.skip_load:
        from .load_bench import wrk_binary

        wrk_binary()  # missing: said now, not after the other benchmarks
    log = Log()
    root = Path(tempfile.mkdtemp(prefix="baigali-bench-"))
    database_url = environment.database_create(args.postgres) if args.postgres else ""
    environment.configure(root, database_url)
    from . import machine

    facts = machine.describe(os.environ.get("FFMPEG_BINARY", "ffmpeg"))
    log(
        f"machine: {facts['cpu_model']}, {facts['cores']} cores, {facts['ram_gib']} GiB"
    )
    log(f"working in {root}")
    pipeline_results = upload_results = api_results = search_results = None
    scale_results = load_results = chunked_results = None
    try:
        log("creating the database (migrate)")
        environment.setup_django()
        if not args.skip_pipeline:
            from . import pipeline_bench
            from .media import make_clip

            log(f"generating a {args.clip_seconds:g} s 1080p clip")
            clip = make_clip(root / "clip.mp4", seconds=args.clip_seconds)
            log(f"pipeline benchmark, {args.rounds} rounds")
            pipeline_results = pipeline_bench.run(
                clip=clip,
                scratch=root / "scratch",
                rounds=args.rounds,
                quiet_wait=args.quiet_wait,
                retry_disturbed=args.retry_disturbed,
                log=log,
            )
            clip.unlink()
        if not args.skip_upload:
            from . import upload_memory_bench

            log("upload memory benchmark")
            upload_results = upload_memory_bench.run(
                scratch=root / "upload",
                size=args.upload_mib * MiB if args.upload_mib else None,
                chunk=args.chunk_mib * MiB,
                log=log,
            )
        if not args.skip_api:
            from . import partner_api_bench

            log("partner API benchmark")
            api_results = partner_api_bench.run(
                scratch=root / "api",
                items=args.api_items,
                rounds=args.rounds,
                seconds=args.api_seconds,
                quiet_wait=args.quiet_wait,
                conn_max_age=args.api_conn_max_age,
                threads=args.api_threads,
                log=log,
            )
        if not args.skip_search:
            from . import search_bench

            log(f"search benchmark, {args.search_pages} pages")
            search_results = search_bench.run(
                pages=args.search_pages,
                rounds=args.rounds,
                quiet_wait=args.quiet_wait,
                log=log,
            )
        if not args.skip_scale:
            from . import scale_bench

            log("scale benchmark, seven pages at 100 and 3,400 items")
            scale_results = scale_bench.run(requests=args.scale_requests, log=log)
        if not args.skip_load:
            from . import load_bench

            log("load benchmark: home, a programme, an episode under wrk")
            load_results = load_bench.run(
                scratch=root / "load",
                rounds=args.rounds,
                seconds=args.load_seconds,
                quiet_wait=args.quiet_wait,
                log=log,
            )
        if not args.skip_chunked:
            from . import chunked_bench
            from .media import make_clip

            clip = args.chunked_clip
            if clip is None:
                log(f"generating a {args.chunked_seconds:g} s 1080p programme")
                clip = make_clip(root / "programme.mp4", seconds=args.chunked_seconds)
            log(f"chunked benchmark, {args.chunked_workers} workers")
            chunked_results = chunked_bench.run(
                clip=clip,
                scratch=root / "chunked",
                workers=args.chunked_workers,
                chunk_seconds=args.chunked_chunk_seconds,
                log=log,
            )
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        if database_url:
            from django.db import connections

            connections.close_all()
            environment.database_drop(args.postgres, database_url)
    facts["load_average_end"] = os.getloadavg()
    log("done")

    lines = ["", "=" * 78]
    lines.append(
        f"Machine: {facts['cpu_model']} ({facts['cpu_details']}), {facts['cores']} "
        f"cores, {facts['ram_gib']} GiB RAM; {facts['ffmpeg']}; "
        f"Python {facts['python']}; kernel {facts['kernel']}; {facts['date']}"
    )
    lines.append(
        "Database: "
        + (
            f"PostgreSQL, a new database on {urlsplit(args.postgres).netloc}"
            if database_url
            else "SQLite (embedded, the run's folder)"
        )
    )
    load_start = ", ".join(f"{v:.1f}" for v in facts["load_average"])
    load_end = ", ".join(f"{v:.1f}" for v in facts["load_average_end"])
    lines.append(f"Load average at start {load_start}; at end {load_end}")
    ratios = {}
    if pipeline_results is not None:
        report, ratios = pipeline_report(pipeline_results)
        lines += report
    if upload_results is not None:
        lines += ["", *upload_report(upload_results)]
    if api_results is not None:
        from . import partner_api_bench

        lines += ["", *partner_api_bench.report(api_results)]
        ratios.update(partner_api_bench.ratios(api_results))
    if search_results is not None:
        from . import search_bench

        lines += ["", *search_bench.report(search_results)]
        ratios.update(search_bench.ratios(search_results))
    if scale_results is not None:
        from . import scale_bench

        lines += ["", *scale_bench.report(scale_results)]
        ratios.update(scale_bench.ratios(scale_results))
    if load_results is not None:
        from . import load_bench

        lines += ["", *load_bench.report(load_results)]
        ratios.update(load_bench.ratios(load_results))
    if chunked_results is not None:
        from . import chunked_bench

        lines += ["", *chunked_bench.report(chunked_results)]
        ratios.update(chunked_bench.ratios(chunked_results))
    lines += ["", *summary_table(ratios, upload_results), "=" * 78]
    print("\n".join(lines), flush=True)

    if args.json:
        data = {
            "machine": facts,
            "ratios": ratios,
            "pipeline": asdict(pipeline_results) if pipeline_results else None,
            "upload": (
                {
                    **asdict(upload_results),
                    "growth_kib": upload_results.growth_kib,
                    "growth_from_start_kib": upload_results.growth_from_start_kib,
                }
                if upload_results
                else None
            ),
            "partner_api": asdict(api_results) if api_results else None,
            "search": asdict(search_results) if search_results else None,
            "scale": asdict(scale_results) if scale_results else None,
            "load": asdict(load_results) if load_results else None,
            "chunked": asdict(chunked_results) if chunked_results else None,
        }
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
