"""The machine a benchmark runs on, and how busy the rest of it is."""

import datetime as dt
import os
import platform
import resource
import shutil
import subprocess
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _first_match(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            name, _sep, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    except OSError:
        pass
    return ""


def cpu_model() -> str:
    return _first_match("/proc/cpuinfo", "model name") or platform.processor()


def cpu_details() -> str:
    """Family, model and clock, and whether this is a virtual machine: the
    model name alone is often generic on cloud machines."""
    family = _first_match("/proc/cpuinfo", "cpu family")
    model = _first_match("/proc/cpuinfo", "model")
    mhz = _first_match("/proc/cpuinfo", "cpu MHz")
    flags = _first_match("/proc/cpuinfo", "flags").split()
    details = [f"family {family} model {model}"] if family else []
    if mhz:
        details.append(f"{float(mhz) / 1000:.2f} GHz")
    if "hypervisor" in flags:
        details.append("virtual machine")
    return ", ".join(details)


def ram_bytes() -> int:
    value = _first_match("/proc/meminfo", "MemTotal")  # "24683604 kB"
    return int(value.split()[0]) * 1024 if value else 0


def ffmpeg_version(binary: str = "ffmpeg") -> str:
    if shutil.which(binary) is None:
        return "missing"
    output = subprocess.run(
        [binary, "-version"], capture_output=True, text=True, timeout=10
    ).stdout
    first = output.splitlines()[0] if output else "unknown"
    return first.split(" Copyright")[0]


def describe(ffmpeg_binary: str = "ffmpeg") -> dict:
    """What BENCHMARKS.md records about the machine."""
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu_model": cpu_model(),
        "cpu_details": cpu_details(),
        "cores": os.cpu_count(),
        "ram_gib": round(ram_bytes() / 1024**3, 1),
        "ffmpeg": ffmpeg_version(ffmpeg_binary),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_average": os.getloadavg(),
    }


def system_busy_seconds() -> float:
    """CPU seconds every process on the machine has used since boot.

    From the first line of /proc/stat: user, nice, system, irq, softirq and
    steal (time a hypervisor gave to other guests is lost to us too).
    """
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(value) for value in (fields + ["0"] * 8)[:8]
    )
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def own_cpu_seconds() -> float:
    """CPU seconds of this process and of the children it has waited for."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total
