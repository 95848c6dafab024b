"""Measuring contenders side by side: samples, medians, rotating order."""

import os
import statistics
import time
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from .machine import own_cpu_seconds, system_busy_seconds

CORES = os.cpu_count() or 1
# Above this share of the machine's CPU taken by other processes, a sample's
# wall time says more about the neighbours than about the contender.
DISTURBED = 0.10


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    cpu: float  # CPU seconds of this process and its children
    foreign: float  # CPU seconds the rest of the machine used meanwhile

    @property
    def contention(self) -> float:
        """The share of the machine's CPU other processes took meanwhile."""
        return self.foreign / (self.wall * CORES) if self.wall else 0.0


@dataclass
class Stopwatch:
    sample: Sample | None = None
    extra: dict = field(default_factory=dict)


@contextmanager
def stopwatch():
    """Time the block: wall clock, our CPU, and everyone else's CPU.

    Other processes on a shared machine slow a contender down; their CPU time
    is recorded with each sample so a disturbed run can be recognised.
    """
    watch = Stopwatch()
    busy, cpu, start = system_busy_seconds(), own_cpu_seconds(), time.monotonic()
    yield watch
    wall = time.monotonic() - start
    used = own_cpu_seconds() - cpu
    foreign = max(0.0, system_busy_seconds() - busy - used)
    watch.sample = Sample(wall=wall, cpu=used, foreign=foreign)


def wait_for_quiet(
    *, max_seconds: float, threshold_cores: float = 0.25, window: float = 2.0
) -> float:
    """Wait, at most ``max_seconds``, until the rest of the machine has used
    less than ``threshold_cores`` for ``window`` seconds; returns the wait.

    On a shared machine other work comes in bursts; starting a sample after
    one has passed keeps it out of that sample, without promising anything
    about what starts during it.
    """
    start = time.monotonic()
    while max_seconds > 0:
        busy, own = system_busy_seconds(), own_cpu_seconds()
        time.sleep(window)
        foreign = system_busy_seconds() - busy - (own_cpu_seconds() - own)
        if foreign / window < threshold_cores:
            break
        if time.monotonic() - start >= max_seconds:
            break
    return time.monotonic() - start


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rotated(names: Sequence[str], round_index: int) -> list[str]:
    """The order of one round: each round starts one contender later, so no
    contender always runs first (cold) or right after the same neighbour."""
    shift = round_index % len(names)
    return list(names[shift:]) + list(names[:shift])


@dataclass
class Series:
    """Every sample of one contender."""

    name: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return median([s.wall for s in self.samples])

    @property
    def cpu(self) -> float:
        return median([s.cpu for s in self.samples])

    @property
    def foreign(self) -> float:
        return median([s.foreign for s in self.samples])

    @property
    def contention(self) -> float:
        return median([s.contention for s in self.samples])

    @property
    def walls(self) -> list[float]:
        return [s.wall for s in self.samples]

    @property
    def quiet(self) -> list[Sample]:
        """The samples the rest of the machine left (nearly) alone."""
        return [s for s in self.samples if s.contention <= DISTURBED]

    @property
    def quiet_wall(self) -> float:
        return median([s.wall for s in self.quiet])
