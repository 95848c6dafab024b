"""Loudness measurement and normalisation (ITU-R BS.1770, as GY/T 262 and
EBU R128 measure it), with FFmpeg's loudnorm filter.

We measure first, in an audio-only pass that is cheap next to the video
encode, then normalise in the transcode pass itself using the measured values,
so the loudness correction is linear wherever the true-peak limit allows.
"""

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from .errors import TransientMediaError
from .ffmpeg import Filter, ProgressCallback, pinned_input, run_ffmpeg_analysis

# Below this an input is effectively silent: there is nothing to normalise.
SILENCE_LUFS = -70.0


@dataclass(frozen=True)
class LoudnessTarget:
    integrated: float  # LUFS / LKFS
    true_peak: float  # dBTP
    loudness_range: float  # LU


@dataclass(frozen=True)
class LoudnessMeasurement:
    integrated: float
    true_peak: float
    loudness_range: float
    threshold: float
    offset: float

    @property
    def is_silent(self) -> bool:
        return not math.isfinite(self.integrated) or self.integrated < SILENCE_LUFS


def _loudnorm_options(target: LoudnessTarget) -> dict[str, float]:
    return {
        "I": target.integrated,
        "TP": target.true_peak,
        "LRA": target.loudness_range,
    }


def _last_json_object(log: str) -> dict:
    match = re.findall(r"\{[^{}]*\}", log, re.S)
    if not match:
        raise TransientMediaError(
            _("响度测量没有结果，稍后将重试。"), detail=log[-1000:]
        )
    return json.loads(match[-1])


def _float(value: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("-inf")


def measure(
    *,
    input_path: Path,
    input_format: str,
    target: LoudnessTarget,
    audio_stream: int = 0,
    timeout: float = 600,
    on_progress: ProgressCallback | None = None,
    decode_limit: float | None = None,
) -> LoudnessMeasurement:
    """Integrated loudness, loudness range and true peak of one audio stream.

    The pass stops when ``on_progress`` returns False (a cancelled job) and
    fails past ``decode_limit`` seconds, as a transcode does.
    """
    audio = pinned_input(input_path, input_format)[f"a:{audio_stream}"]
    analysed = audio.filter(
        "loudnorm", **_loudnorm_options(target), print_format="json"
    )
    log = run_ffmpeg_analysis(
        streams=[analysed],
        timeout=timeout,
        on_progress=on_progress,
        decode_limit=decode_limit,
    )
    values = _last_json_object(log)
    return LoudnessMeasurement(
        integrated=_float(values.get("input_i")),
        true_peak=_float(values.get("input_tp")),
        loudness_range=_float(values.get("input_lra")),
        threshold=_float(values.get("input_thresh")),
        offset=_float(values.get("target_offset")),
    )


def normalise_filters(
    measurement: LoudnessMeasurement, target: LoudnessTarget, sample_rate: int
) -> tuple[Filter, ...]:
    """The audio filter chain that brings the input to the target.

    loudnorm works at 192 kHz internally, so we resample to the delivery rate
    after it, and settle on stereo: sources whose channel layout is unknown
    (plain 2-channel WAV, say) would otherwise stop the filter graph. Silence
    is passed through untouched.
    """
    resample = (
        Filter("aresample", (sample_rate,)),
        Filter(
            "aformat",
            options={"sample_rates": sample_rate, "channel_layouts": "stereo"},
        ),
    )
    if measurement.is_silent:
        return resample
    loudnorm = Filter(
        "loudnorm",
        options={
            **_loudnorm_options(target),
            "measured_I": measurement.integrated,
            "measured_TP": measurement.true_peak,
            "measured_LRA": measurement.loudness_range,
            "measured_thresh": measurement.threshold,
            "offset": measurement.offset,
            "linear": "true",
        },
    )
    return (loudnorm, *resample)
