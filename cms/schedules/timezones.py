"""The one time zone schedules are written and read in.

Stations in Ordos and their audiences read times in Beijing time; the
database stores UTC. China has no daylight saving time, so a local wall-clock
time maps to exactly one instant: no gaps, no repeats.
"""

import datetime as dt
from zoneinfo import ZoneInfo

SCHEDULE_TZ = ZoneInfo("Asia/Shanghai")


def local_datetime(day: dt.date, time: dt.time) -> dt.datetime:
    """The aware instant of ``time`` on ``day`` in Beijing time."""
    return dt.datetime.combine(day, time, tzinfo=SCHEDULE_TZ)


def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(SCHEDULE_TZ)


def day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start of local day ``first`` to the end of local day ``last``
    (exclusive), as aware instants."""
    return (
        local_datetime(first, dt.time.min),
        local_datetime(last + dt.timedelta(days=1), dt.time.min),
    )


def format_duration(value: dt.timedelta | None) -> str:
    """28:30 or 1:02:05; a negative value gets a leading minus."""
    if value is None:
        return ""
    sign = "-" if value < dt.timedelta(0) else ""
    seconds = int(abs(value).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"
    return f"{sign}{minutes}:{seconds:02d}"
