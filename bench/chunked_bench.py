"""Chunked transcoding on N single-core Celery workers against the single pass
on one core, on one long generated 1080p programme.

Contenders, each run once, end to end (hash and store the original, probe,
loudness measurement, transcode, store, publish), in this process's database
and filesystem storage:

``single_pass``
    ``asset_ingest(wait=True)`` in this process (what ``manage.py ingest
    --wait`` does), chunking off, the process and its ffmpeg pinned to one
    core.
``chunked``
    ``asset_ingest(wait=False)`` from this process (pinned to the same core),
    then real ``celery worker --concurrency 1`` processes on the transcode
    queue, each pinned to a core of its own: one plans the job and sends the
    chord (the audio, one task a chunk), the workers share the parts, one
    assembles and publishes. Timed until the asset is ready.

Both contenders get one core a process, so the chunked run has N times the
single pass's CPU: its parallel efficiency is

    efficiency = single-pass wall ÷ (N × chunked wall)

1.0 when N workers finish N times sooner; what chunking costs (a restarted
rate control and encoder start-up at every chunk, decoding from the keyframe
before each chunk's start, a last chunk running alone, assembly) takes it
below.
"""

import datetime as dt
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .environment import PROJECT_DIR
from .machine import CLOCK_TICKS, own_cpu_seconds, system_busy_seconds
from .timing import CORES, Sample

SINGLE_PASS = "single_pass"
CHUNKED = "chunked"
#: Chunking off for the single pass: no programme is this long.
NEVER_CHUNK = str(10**9)
WORKER_READY_SECONDS = 90
#: Worker counts the arithmetic is printed for.
PROJECTED_WORKERS = (2, 4, 8, 16)


def _process_table() -> dict[int, tuple[int, float]]:
    """Every process: its parent, and the CPU seconds of it and of the
    children it has waited for (utime, stime, cutime, cstime)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks = sum(int(value) for value in fields[11:15])
        table[int(entry.name)] = (int(fields[1]), ticks / CLOCK_TICKS)
    return table


def tree_cpu_seconds(roots: list[int]) -> float:
    """CPU seconds of the processes ``roots`` and their live descendants,
    the reaped ones included (a Celery worker's pool child and its ffmpeg
    are reaped long before the worker is)."""
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _cpu) in table.items():
        children.setdefault(parent, []).append(pid)
    total, pending = 0.0, [pid for pid in roots if pid in table]
    while pending:
        pid = pending.pop()
        total += table[pid][1]
        pending += children.get(pid, [])
    return total


@contextmanager
def pinned(core: int):
    """This thread (and the threads and processes it starts) on one core."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


class Worker:
    """A real ``celery worker`` on the transcode queue, one task at a time,
    pinned to one core, on this benchmark's database, storage and broker."""

    def __init__(self, *, core: int, log_path: Path, env: dict[str, str]):
        self.core = core
        self.log_path = log_path
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cms",
            "worker",
            "--queues",
            "transcode",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"bench-{self.core}-{os.getpid()}@%h",
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_DIR,
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=lambda: os.sched_setaffinity(0, {self.core}),
            )
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + WORKER_READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited, see {self.log_path}")
            if b"ready." in self.log_path.read_bytes():
                return
            time.sleep(0.2)
        raise RuntimeError(f"Celery worker not ready, see {self.log_path}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()


@dataclass
class PartTimes:
    part: str
    index: int
    worker: str
    seconds: float
    attempts: int


@dataclass
class ChunkedResults:
    clip: dict
    workers: int
    chunk_seconds: int
    samples: dict[str, Sample] = field(default_factory=dict)
    #: Chunked run: from the ingest call to the first part's start (hash,
    #: store, queue, probe, plan), of it the part before a worker took the
    #: job (hash, store, queue), the parts' span, and from the last part's
    #: end to the asset's publication (assembly).
    before_parts: float = math.nan
    before_job: float = math.nan
    parts_span: float = math.nan
    assembly: float = math.nan
    parts: list[PartTimes] = field(default_factory=list)

    @property
    def efficiency(self) -> float:
        single, chunked = self.samples[SINGLE_PASS], self.samples[CHUNKED]
        return single.wall / (self.workers * chunked.wall)

    @property
    def parts_work(self) -> float:
        return sum(part.seconds for part in self.parts)

    @property
    def longest_part(self) -> float:
        return max(part.seconds for part in self.parts)

    def projected_wall(self, workers: int) -> float:
        """The chunked wall time on ``workers`` single-core workers: the steps
        before and after the parts, plus the parts' work shared out (never
        below the longest part, which no one can share)."""
        return (
            self.before_parts
            + max(self.parts_work / workers, self.longest_part)
            + self.assembly
        )


def _reset() -> None:
    from .pipeline_bench import pipeline_reset

    pipeline_reset()


def _single_pass(clip: Path, core: int) -> Sample:
    from django.test import override_settings

    from media_pipeline.models import AssetStatus
    from media_pipeline.services.ingest import asset_ingest

    busy, cpu, start = system_busy_seconds(), own_cpu_seconds(), time.monotonic()
    with (
        pinned(core),
        override_settings(MEDIA_CHUNK_MIN_SECONDS=int(NEVER_CHUNK)),
    ):
        asset = asset_ingest(
            path=clip, title="基准测试（单次）", wait=True, worker="bench"
        )
    wall = time.monotonic() - start
    if asset.status != AssetStatus.READY:
        raise RuntimeError(f"single pass failed: {asset.failure_reason}")
    used = own_cpu_seconds() - cpu
    foreign = max(0.0, system_busy_seconds() - busy - used)
    return Sample(wall=wall, cpu=used, foreign=foreign)


def _wait_ready(asset_id: int, timeout: float):
    from media_pipeline.models import AssetStatus, MediaAsset

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        asset = MediaAsset.objects.get(pk=asset_id)
        if asset.status == AssetStatus.READY:
            return asset
        if asset.status == AssetStatus.FAILED:
            raise RuntimeError(f"chunked run failed: {asset.failure_reason}")
        time.sleep(0.5)
    raise RuntimeError(f"chunked run not ready in {timeout:.0f} s")


def _chunked(
    clip: Path, *, workers: int, chunk_seconds: int, scratch: Path, duration: float
) -> tuple[Sample, int, float]:
    from media_pipeline.services.ingest import asset_ingest

    env = {
        "MEDIA_CHUNK_MIN_SECONDS": "0",
        "MEDIA_CHUNK_SECONDS": str(chunk_seconds),
    }
    started = [
        Worker(core=i % CORES, log_path=scratch / f"worker-{i}.log", env=env).start()
        for i in range(workers)
    ]
    try:
        for worker in started:
            worker.wait_ready()
        roots = [worker.process.pid for worker in started]
        busy, start = system_busy_seconds(), time.monotonic()
        cpu = own_cpu_seconds() + tree_cpu_seconds(roots)
        began = dt.datetime.now(dt.UTC)
        with pinned(0):
            asset = asset_ingest(
                path=clip, title="基准测试（分段）", wait=False, worker="bench"
            )
        # Generous: a tenth of real time on one core would be slow already.
        _wait_ready(asset.pk, timeout=max(600.0, duration * 20))
        wall = time.monotonic() - start
        used = own_cpu_seconds() + tree_cpu_seconds(roots) - cpu
        foreign = max(0.0, system_busy_seconds() - busy - used)
    finally:
        for worker in started:
            worker.stop()
    return Sample(wall=wall, cpu=used, foreign=foreign), asset.pk, began.timestamp()


def _part_times(results: ChunkedResults, asset_id: int, began: float) -> None:
    from media_pipeline.models import MediaAsset, TranscodeChunk

    job = MediaAsset.objects.get(pk=asset_id).published_job
    parts = list(TranscodeChunk.objects.filter(job=job, run_token=job.run_token))
    results.parts = [
        PartTimes(
            part=part.part,
            index=part.index,
            worker=part.worker.rsplit("@", 1)[0].rsplit(":", 1)[-1],
            seconds=(part.finished_at - part.started_at).total_seconds(),
            attempts=part.attempts,
        )
        for part in sorted(parts, key=lambda p: (p.part, p.index))
    ]
    first = min(part.started_at for part in parts).timestamp()
    last = max(part.finished_at for part in parts).timestamp()
    results.before_parts = first - began
    results.before_job = job.started_at.timestamp() - began
    results.parts_span = last - first
    results.assembly = job.finished_at.timestamp() - last


def run(
    *,
    clip: Path,
    scratch: Path,
    workers: int = 2,
    chunk_seconds: int = 60,
    log: Callable[[str], None] = print,
) -> ChunkedResults:
    from .pipeline_bench import clip_facts, workload_prepare

    scratch.mkdir(parents=True, exist_ok=True)
    workload = workload_prepare(clip, scratch)
    facts = clip_facts(workload)
    results = ChunkedResults(clip=facts, workers=workers, chunk_seconds=chunk_seconds)

    _reset()
    log(f"  single pass, one process on one core ({facts['duration']:.0f} s source)")
    results.samples[SINGLE_PASS] = _single_pass(clip, core=0)
    log(f"    {results.samples[SINGLE_PASS].wall:.1f} s")
    _reset()
    log(f"  chunked, {workers} Celery workers on one core each")
    sample, asset_id, began = _chunked(
        clip,
        workers=workers,
        chunk_seconds=chunk_seconds,
        scratch=scratch,
        duration=facts["duration"],
    )
    results.samples[CHUNKED] = sample
    _part_times(results, asset_id, began)
    log(f"    {sample.wall:.1f} s")
    _reset()
    return results


def report(results: ChunkedResults) -> list[str]:
    clip = results.clip
    n = results.workers
    single, chunked = results.samples[SINGLE_PASS], results.samples[CHUNKED]
    videos = [p for p in results.parts if p.part == "video"]
    lines = [
        f"Chunked transcoding (issue 16): {clip['duration']:.0f} s 1920x1080 source, "
        f"{clip['size_mb']} MB; {len(videos)} chunks of {results.chunk_seconds} s, "
        f"plus the audio part",
        "",
        f"{'contender':<44}{'wall':>10}{'CPU':>10}{'others took':>13}",
        f"{'single pass, 1 process on 1 core':<44}{single.wall:>8.1f} s"
        f"{single.cpu:>8.1f} s{single.contention:>12.0%}",
        f"{f'chunked, {n} workers × 1 core (--concurrency 1)':<44}"
        f"{chunked.wall:>8.1f} s{chunked.cpu:>8.1f} s{chunked.contention:>12.0%}",
        "",
        f"efficiency = single-pass wall ÷ (workers × chunked wall) = "
        f"{single.wall:.1f} ÷ ({n} × {chunked.wall:.1f}) = {results.efficiency:.3f}"
        f"   (goal ≥ 0.9)",
        f"speed-up   = {single.wall:.1f} ÷ {chunked.wall:.1f} = "
        f"{single.wall / chunked.wall:.2f} on {n} cores",
        f"CPU        = chunked ÷ single = {chunked.cpu:.1f} ÷ {single.cpu:.1f} = "
        f"{chunked.cpu / single.cpu:.3f}",
        "",
        "Chunked run, step by step (wall s):",
        f"  before the parts (store, probe, plan)             "
        f"{results.before_parts:>8.1f}",
        f"    of it, until a worker took the job (hash, store) "
        f"{results.before_job:>8.1f}",
        f"  parts, first start to last end                    "
        f"{results.parts_span:>8.1f}",
        f"  assembly and publication                          {results.assembly:>8.1f}",
        f"  parts' work, summed over workers                  "
        f"{results.parts_work:>8.1f}",
    ]
    for part in results.parts:
        if part.part == "audio":
            lines.append(f"    {'audio':<48}{part.seconds:>8.1f}")
    if videos:
        seconds = [p.seconds for p in videos]
        lines.append(
            f"    video chunks: {len(videos)}, mean {sum(seconds) / len(seconds):.1f},"
            f" min {min(seconds):.1f}, max {max(seconds):.1f}"
        )
    by_worker: dict[str, float] = {}
    for part in results.parts:
        by_worker[part.worker] = by_worker.get(part.worker, 0.0) + part.seconds
    lines.append(
        "    per worker: "
        + ", ".join(f"{name} {value:.1f}" for name, value in sorted(by_worker.items()))
    )
    retried = [p for p in results.parts if p.attempts > 1]
    if retried:
        lines.append(f"    parts tried more than once: {len(retried)}")
    lines += [
        "",
        "N workers (one core each): wall(N) ≈ before + max(parts' work ÷ N, "
        "longest part) + assembly",
    ]
    before, work, assembly = results.before_parts, results.parts_work, results.assembly
    for workers in sorted({n, *PROJECTED_WORKERS}):
        projected = results.projected_wall(workers)
        lines.append(
            f"  N = {workers:>2}: {before:.1f} + max({work:.1f} ÷ {workers}, "
            f"{results.longest_part:.1f}) + {assembly:.1f} = {projected:.1f} s; "
            f"single ÷ (N × wall) = {single.wall / (workers * projected):.2f}"
        )
    return lines


def ratios(results: ChunkedResults) -> dict:
    return {
        "chunked_efficiency": {
            "wall": results.efficiency,
            "cpu": results.samples[SINGLE_PASS].cpu / results.samples[CHUNKED].cpu,
            "quiet_wall": None,
            "quiet_samples": 0,
            "contention": max(s.contention for s in results.samples.values()),
        }
    }
