"""One job, start to finish: fetch the original, probe and validate it,
measure its loudness, run the single ffmpeg pass, store and publish."""

import datetime as dt
import logging
import math
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from . import chunking, ffmpeg, ladder, loudness
from .conf import media_settings
from .errors import MediaError, PermanentMediaError
from .hls import write_master_playlist, write_sprite_track
from .models import (
    ChunkPart,
    JobPhase,
    MediaKind,
    TranscodeChunk,
    TranscodeJob,
    TranscodeProfile,
)
from .outputs import all_files, describe_outputs
from .services.assets import (
    asset_record_duration,
    asset_record_loudness,
    asset_record_probe,
)
from .services.chunks import (
    chord_dispatch,
    chunk_claim,
    chunk_count,
    chunk_fail,
    chunk_heartbeat,
    chunk_manifests,
    chunk_measured_loudness,
    chunk_record_loudness,
    chunk_report,
    chunk_span,
    chunk_succeed,
    chunks_all_done,
    chunks_plan,
)
from .services.jobs import (
    MAX_ATTEMPTS,
    job_assembly_claim,
    job_claim,
    job_fail,
    job_heartbeat,
    job_publish,
    job_report,
)
from .sprites import sprite_sheets_compose
from .storage import (
    copy_to_local,
    delete_prefix,
    download_tree,
    upload_tree,
    upload_tree_retrying,
)
from .validation import (
    max_decoded_seconds,
    refuse_empty,
    refuse_playlists,
    validate_probe,
)

logger = logging.getLogger(__name__)

REPORT_EVERY_SECONDS = 1.0
HEARTBEAT_SECONDS = 20.0


def loudness_target(profile: TranscodeProfile) -> loudness.LoudnessTarget:
    return loudness.LoudnessTarget(
        integrated=profile.loudness_target,
        true_peak=profile.true_peak_limit,
        loudness_range=profile.loudness_range_target,
    )


def transcode_timeout(duration: float) -> float:
    """Generous, but finite: a stuck ffmpeg must not hold a worker forever."""
    factor = media_settings.MEDIA_TRANSCODE_TIMEOUT_FACTOR
    return max(600.0, duration * factor)


class ProgressReporter:
    """Turns ffmpeg's output time into a saved percentage and time left,
    at most once a second, and tells ffmpeg to stop when the job is disowned.

    The runner asks it at least once a second whatever ffmpeg prints, so
    every pass (probe, loudness analysis, transcode) stops within about a
    second of a cancel. Without a ``duration`` only the phase is saved.
    """

    def __init__(
        self,
        job: TranscodeJob,
        duration: float | None,
        phase: str = JobPhase.TRANSCODING,
    ):
        self.job = job
        self.duration = None if duration is None else max(duration, 0.001)
        self.phase = phase
        self.started = time.monotonic()
        self.last_report = 0.0

    def __call__(self, seconds_done: float) -> bool:
        now = time.monotonic()
        if now - self.last_report < REPORT_EVERY_SECONDS:
            return True
        self.last_report = now
        if self.duration is None:
            return job_report(job=self.job, phase=self.phase)
        fraction = min(seconds_done / self.duration, 1.0)
        elapsed = now - self.started
        eta = math.ceil(elapsed / fraction - elapsed) if fraction > 0.01 else None
        return job_report(
            job=self.job,
            phase=self.phase,
            progress=fraction * 100,
            eta_seconds=eta,
        )


@contextmanager
def heartbeat(job: TranscodeJob, beat=None):
    """Keep the job's heartbeat fresh through long silent steps (copying a
    large original, measuring loudness, storing), so the reaper only ever
    requeues jobs whose worker is really gone. ``beat`` (returning False
    once disowned) beats for something else, such as a part of the job."""
    beat = beat or (lambda: job_heartbeat(job=job))
    if connection.in_atomic_block:
        # Inside a transaction (ingest --wait within load_demo, or a test)
        # nobody else can see this job, and a second connection updating its
        # row would only wait on our lock: there is nothing to beat for.
        yield
        return
    stop = threading.Event()

    def beat_until_stopped():
        try:
            while not stop.wait(HEARTBEAT_SECONDS):
                if not beat():
                    return
        finally:
            connection.close()

    thread = threading.Thread(
        target=beat_until_stopped, name=f"heartbeat-job-{job.pk}", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def job_run(*, job_id: int, worker: str, in_process: bool = False) -> str:
    """Run a job; returns what happened. Raises TransientMediaError when the
    job should be retried later (the caller, a Celery task, schedules that).

    A long video is transcoded in chunks (see chunking): ``in_process`` runs
    them here, one after another; otherwise they are sent to the transcode
    queue as a chord and this returns "chunked".
    """
    job = job_claim(job_id=job_id, worker=worker)
    if job is None:
        return "skipped"
    try:
        with (
            heartbeat(job),
            tempfile.TemporaryDirectory(prefix=f"media-job-{job.pk}-") as work,
        ):
            return _run(job, Path(work), in_process=in_process)
    except ffmpeg.JobStopped:
        return "stopped"
    except MediaError as error:
        logger.warning("Job %s failed: %s (%s)", job.pk, error.reason, error.detail)
        job_fail(job=job, reason=error.reason, permanent=error.permanent)
        if not error.permanent and job.attempts < MAX_ATTEMPTS:
            raise
        return "failed"
    except Exception:
        logger.exception("Job %s crashed", job.pk)
        job_fail(job=job, reason=internal_error_reason(), permanent=True)
        return "failed"


def internal_error_reason() -> str:
    """What a job that crashed on our side says (the log says the rest)."""
    return _("处理时发生内部错误，管理员可在任务列表中重新运行。")


def _stop_if_disowned(still_ours: bool) -> None:
    if not still_ours:
        raise ffmpeg.JobStopped()


def _run(job: TranscodeJob, work: Path, *, in_process: bool) -> str:
    asset = job.asset
    source = work / ("source" + Path(asset.original_filename).suffix.lower()[:10])
    copy_to_local(asset.original, source)

    _stop_if_disowned(job_report(job=job, phase=JobPhase.PROBING))
    refuse_empty(source)
    refuse_playlists(source)
    probed = ffmpeg.probe(
        source, on_progress=ProgressReporter(job, None, JobPhase.PROBING)
    )
    kind = validate_probe(probed)
    asset_record_probe(asset=asset, result=probed, kind=kind)
    out = work / "out"
    # The ladder, the length and the kind decide whether the video is made
    # in chunks; only the audio's chain needs the loudness measured, so a
    # chunked run leaves the measuring to its audio part and no video chunk
    # waits for it.
    unmeasured = job_plan(job=job, probed=probed, kind=kind, measurement=None)
    if chunking.chunking_applies(unmeasured):
        chunks = chunks_plan(job=job, plan=unmeasured)
        _stop_if_disowned(job_report(job=job, phase=JobPhase.TRANSCODING, progress=0))
        if not in_process:
            chord_dispatch(job=job, chunks=chunks)
            return "chunked"
        for chunk in chunks:
            chunk = chunk_claim(chunk_id=chunk.pk, worker=job.worker)
            _stop_if_disowned(chunk is not None)
            part_run(chunk=chunk, source=source, demuxer=probed.demuxer, out=out)
        audio = TranscodeChunk.objects.of_run(job).get(part=ChunkPart.AUDIO)
        return assembly_run(job=job, plan=part_plan(audio), out=out)

    _stop_if_disowned(job_report(job=job, phase=JobPhase.MEASURING))
    measurement = measure_loudness(
        source=source,
        probed=probed,
        profile=job.profile,
        on_progress=ProgressReporter(job, probed.duration, JobPhase.MEASURING),
    )
    asset_record_loudness(asset=asset, measurement=measurement)
    plan = job_plan(job=job, probed=probed, kind=kind, measurement=measurement)
    return _single_pass(job, source, probed, plan, out)


def measure_loudness(
    *, source: Path, probed, profile: TranscodeProfile, on_progress
) -> loudness.LoudnessMeasurement | None:
    """The original's loudness, or None for a source without sound. The
    header's duration is a claim: the pass stops a little past it, as every
    pass does, and its time limit is sized from what may really be decoded."""
    if probed.audio is None:
        return None
    decode_limit = max_decoded_seconds(probed.duration)
    return loudness.measure(
        input_path=source,
        input_format=probed.demuxer,
        target=loudness_target(profile),
        timeout=transcode_timeout(decode_limit),
        on_progress=on_progress,
        decode_limit=decode_limit,
    )


def job_plan(
    *, job: TranscodeJob, probed, kind: str, measurement
) -> ladder.TranscodePlan:
    """The ladder of this job's asset, normalised to the profile's loudness."""
    profile = job.profile
    audio_filters = (
        loudness.normalise_filters(
            measurement, loudness_target(profile), profile.audio_sample_rate
        )
        if measurement
        else ()
    )
    return ladder.plan(
        probe=probed, kind=kind, profile=profile, audio_filters=audio_filters
    )


def _single_pass(job, source, probed, plan, out) -> str:
    asset, kind = job.asset, plan.kind
    decode_limit = max_decoded_seconds(probed.duration)
    for folder in ("hls", "thumbs", "sprite"):
        (out / folder).mkdir(parents=True)
    _stop_if_disowned(
        job_report(job=job, phase=JobPhase.TRANSCODING, progress=0, eta_seconds=None)
    )
    decoded = ffmpeg.run_ffmpeg(
        outputs=ladder.outputs(plan, ffmpeg.pinned_input(source, probed.demuxer)),
        timeout=transcode_timeout(decode_limit),
        on_progress=ProgressReporter(job, plan.duration),
        decode_limit=decode_limit,
        cwd=out,
    )
    if 0 < decoded < plan.duration:
        # The header claimed more than there was: what was decoded is the
        # duration. (A little more than claimed, within the margin, is codec
        # padding: the last audio frame, the encoder's priming.)
        plan.duration = decoded
        asset_record_duration(asset=asset, duration=decoded)
    write_master_playlist(out / "hls", plan)
    if kind == MediaKind.VIDEO:
        sprite_sheets_compose(out / "sprite", plan)
        write_sprite_track(out / "sprite", plan)
    return _store_and_publish(job, out, plan)


def _store_and_publish(job: TranscodeJob, out: Path, plan) -> str:
    outputs = describe_outputs(out, plan)
    if not outputs:
        raise PermanentMediaError(_("转码没有产生任何文件。"))

    _stop_if_disowned(job_report(job=job, phase=JobPhase.STORING, progress=100))
    upload_tree(out, job.output_prefix, all_files(out))
    if not job_publish(job=job, outputs=outputs):
        delete_prefix(job.output_prefix)
        return "disowned"
    return "succeeded"


# Chunked transcodes -------------------------------------------------------


class PartProgress:
    """A part's ProgressReporter: the seconds of its own range done, saved
    into it and into its job at most once a second; False once the run is
    disowned, which stops ffmpeg."""

    def __init__(self, chunk: TranscodeChunk, *, done: float = 0.0, share=1.0):
        self.chunk = chunk
        self.duration = max(chunk.duration, 0.001)
        # A part made in two passes (the audio: measure, then encode) counts
        # each as its ``share`` of the part, after the ``done`` before it.
        self.done = done
        self.share = share
        self.last_report = 0.0

    def __call__(self, seconds_done: float) -> bool:
        now = time.monotonic()
        if now - self.last_report < REPORT_EVERY_SECONDS:
            return True
        self.last_report = now
        fraction = min(seconds_done / self.duration, 1.0)
        return chunk_report(
            chunk=self.chunk, fraction=self.done + self.share * fraction
        )


def part_plan(chunk: TranscodeChunk) -> ladder.TranscodePlan:
    """The plan a part is made with, from what its job kept: the asset's
    probe and, once the audio part has measured it, the loudness."""
    job = chunk.job
    asset = job.asset
    _, measurement = chunk_measured_loudness(chunk)
    return job_plan(
        job=job,
        probed=ffmpeg.probe_result(asset.probe, size=asset.size),
        kind=asset.kind,
        measurement=measurement,
    )


def part_make(
    *,
    chunk: TranscodeChunk,
    source: Path,
    demuxer: str,
    out: Path,
) -> dict:
    """Make one part of a chunked transcode into ``out``; its manifest."""
    if chunk.part == ChunkPart.AUDIO:
        return _audio_part_make(chunk=chunk, source=source, out=out)
    progress = PartProgress(chunk)
    _stop_if_disowned(progress(0))
    return chunking.chunk_encode(
        source=source,
        demuxer=demuxer,
        plan=part_plan(chunk),
        span=chunk_span(chunk),
        out=out,
        on_progress=progress,
    )


def _audio_part_make(*, chunk: TranscodeChunk, source: Path, out: Path) -> dict:
    """Measure the programme's loudness (once: an attempt made again uses
    the kept measurement), then encode its audio normalised to it."""
    measured, _ = chunk_measured_loudness(chunk)
    progress = PartProgress(chunk)
    _stop_if_disowned(progress(0))
    asset = chunk.job.asset
    probed = ffmpeg.probe_result(asset.probe, size=asset.size)
    if not measured:
        measurement = measure_loudness(
            source=source,
            probed=probed,
            profile=chunk.job.profile,
            on_progress=PartProgress(chunk, share=0.5),
        )
        asset_record_loudness(asset=asset, measurement=measurement)
        chunk_record_loudness(chunk=chunk, measurement=measurement)
        progress = PartProgress(chunk, done=0.5, share=0.5)
    return chunking.audio_encode(
        source=source,
        demuxer=probed.demuxer,
        plan=part_plan(chunk),
        out=out,
        on_progress=progress,
    )


def part_run(*, chunk: TranscodeChunk, source: Path, demuxer: str, out: Path) -> None:
    """Make one part here, into the job's own output folder."""
    manifest = part_make(chunk=chunk, source=source, demuxer=demuxer, out=out)
    _stop_if_disowned(chunk_succeed(chunk=chunk, manifest=manifest))


def assembly_run(*, job: TranscodeJob, plan: ladder.TranscodePlan, out: Path) -> str:
    """Check and join the parts in ``out``, then store and publish as the
    single pass does; safe to run again."""
    _stop_if_disowned(job_report(job=job, phase=JobPhase.STORING))
    chunking.assemble(
        plan=plan,
        manifests=chunk_manifests(job=job),
        chunk_count=chunk_count(job=job),
        out=out,
    )
    chunking.remove_parts(out)
    return _store_and_publish(job, out, plan)


def part_task_run(*, chunk_id: int, worker: str) -> str:
    """Make one part on a worker and store it under the run's prefix (the
    chord's header task); returns what happened. Raises TransientMediaError
    when the part should be tried again, with the same bytes."""
    chunk = chunk_claim(chunk_id=chunk_id, worker=worker)
    if chunk is None:
        return "skipped"
    job = chunk.job
    asset = job.asset
    try:
        with (
            heartbeat(job, beat=lambda: chunk_heartbeat(chunk=chunk)),
            tempfile.TemporaryDirectory(prefix=f"media-part-{chunk.pk}-") as work,
        ):
            work = Path(work)
            source = work / (
                "source" + Path(asset.original_filename).suffix.lower()[:10]
            )
            copy_to_local(asset.original, source)
            out = work / "out"
            manifest = part_make(
                chunk=chunk,
                source=source,
                demuxer=ffmpeg.probe_result(asset.probe).demuxer,
                out=out,
            )
            # Stored before it counts as done; a part made again stores the
            # same names (and, on one ffmpeg build, the same bytes). A
            # storage outage is waited out here: only the storing is tried
            # again, not the encode.
            upload_tree_retrying(out, job.output_prefix, all_files(out))
        _stop_if_disowned(chunk_succeed(chunk=chunk, manifest=manifest))
        return "succeeded"
    except ffmpeg.JobStopped:
        return "stopped"
    except MediaError as error:
        logger.warning("Part %s failed: %s (%s)", chunk, error.reason, error.detail)
        if chunk_fail(chunk=chunk, reason=error.reason, permanent=error.permanent):
            raise
        job_fail(
            job=job, reason=part_failure_reason(chunk, error.reason), permanent=True
        )
        return "failed"
    except Exception:
        logger.exception("Part %s crashed", chunk)
        reason = internal_error_reason()
        chunk_fail(chunk=chunk, reason=reason, permanent=True)
        job_fail(job=job, reason=part_failure_reason(chunk, reason), permanent=True)
        return "failed"


def part_failure_reason(chunk: TranscodeChunk, reason: str) -> str:
    if chunk.part == ChunkPart.VIDEO:
        where = _("第 %(n)s 段视频（%(start)s 秒起）") % {
            "n": chunk.index + 1,
            "start": round(chunk.start),
        }
    else:
        where = chunk.get_part_display()
    return _("%(where)s转码失败：%(reason)s") % {"where": where, "reason": reason}


def assembly_task_run(*, job_id: int, run_token: str, worker: str) -> str:
    """The chord's callback: fetch the run's parts, join them, publish.
    Runs once per run (job_assembly_claim); safe to run again after a
    worker died in it."""
    job = job_assembly_claim(
        job_id=job_id,
        run_token=run_token,
        worker=worker,
        stale_after=dt.timedelta(seconds=settings.MEDIA_JOB_STALE_SECONDS),
    )
    if job is None:
        return "skipped"
    if not chunks_all_done(job=job):
        # A part was reaped and sent again; it sends the assembly when done.
        return "waiting"
    try:
        with (
            heartbeat(job),
            tempfile.TemporaryDirectory(prefix=f"media-assembly-{job.pk}-") as work,
        ):
            out = Path(work) / "out"
            download_tree(job.output_prefix, out)
            audio = TranscodeChunk.objects.of_run(job).get(part=ChunkPart.AUDIO)
            plan = part_plan(audio)
            written = chunking.assemble(
                plan=plan,
                manifests=chunk_manifests(job=job),
                chunk_count=chunk_count(job=job),
                out=out,
            )
            chunking.remove_parts(out)
            outputs = describe_outputs(out, plan)
            upload_tree(out, job.output_prefix, written, replace=True)
            delete_prefix(f"{job.output_prefix}/{chunking.PART_FOLDER}")
            if not job_publish(job=job, outputs=outputs):
                delete_prefix(job.output_prefix)
                return "disowned"
        return "succeeded"
    except ffmpeg.JobStopped:
        return "stopped"
    except MediaError as error:
        logger.warning(
            "Assembly of %s failed: %s (%s)", job.pk, error.reason, error.detail
        )
        if not error.permanent:
            raise
        job_fail(job=job, reason=error.reason, permanent=True)
        return "failed"
    except Exception:
        logger.exception("Assembly of job %s crashed", job.pk)
        job_fail(job=job, reason=internal_error_reason(), permanent=True)
        return "failed"
