"""A channel's schedule laid out as a week or a month of days, with the
slots its rules expect but no airing fills (a day the schedule refused, or
one never generated) shown beside the airings, and the airings that break
the schedule's rules marked with the reason."""

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass, field

from cms.broadcasters.models import Channel

from .models import Airing, SlotRule
from .services import overlap_reason, overlong_reason
from .timezones import day_bounds, local, local_datetime


@dataclass
class CalendarAiring:
    airing: Airing
    #: What is wrong with it, in Chinese: an overlap the services would now
    #: refuse (written before a rule, or by a race), or an episode that grew
    #: longer than its slot after it was scheduled.
    conflicts: list[str] = field(default_factory=list)

    @property
    def local_start(self) -> dt.datetime:
        return local(self.airing.start_at)


@dataclass
class CalendarDay:
    date: dt.date
    in_period: bool
    airings: list[CalendarAiring] = field(default_factory=list)
    #: Rules that expect an airing this day that no airing fills.
    unfilled: list[SlotRule] = field(default_factory=list)


@dataclass
class HourCell:
    """One hour of one day in the week view: where an airing is dropped."""

    date: dt.date
    hour: int
    airings: list[CalendarAiring]
    unfilled: list[SlotRule]


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def month_grid(day: dt.date) -> tuple[dt.date, dt.date]:
    """From the Monday on or before the 1st to the Sunday on or after the
    month's last day: whole weeks, as a wall calendar shows a month."""
    first = day.replace(day=1)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    return week_of(first)[0], week_of(last)[1]


def mark_conflicts(entries: list[CalendarAiring]) -> None:
    """Mark each of ``entries`` (one channel's, by start time) that overlaps
    another or is shorter than its episode."""
    latest: CalendarAiring | None = None
    for entry in entries:
        airing = entry.airing
        if latest is not None and airing.start_at < latest.airing.end_at:
            entry.conflicts.append(
                overlap_reason(channel=airing.channel, other=latest.airing)
            )
            latest.conflicts.append(
                overlap_reason(channel=airing.channel, other=airing)
            )
        if latest is None or airing.end_at > latest.airing.end_at:
            latest = entry
        if airing.episode_id:
            overlong = overlong_reason(episode=airing.episode, slot=airing.duration)
            if overlong:
                entry.conflicts.append(overlong)


def channel_calendar(
    *, channel: Channel, first_day: dt.date, last_day: dt.date, period=None
) -> list[CalendarDay]:
    period = period or (first_day, last_day)
    days = {}
    day = first_day
    while day <= last_day:
        days[day] = CalendarDay(day, period[0] <= day <= period[1])
        day += dt.timedelta(days=1)
    airings = (
        Airing.objects.on_channel(channel)
        .between(*day_bounds(first_day, last_day))
        .select_related("channel__broadcaster", "programme", "episode")
        .order_by("start_at")
    )
    entries = [CalendarAiring(airing) for airing in airings]
    mark_conflicts(entries)
    starts = set()
    for entry in entries:
        days[entry.local_start.date()].airings.append(entry)
        starts.add(entry.airing.start_at)
    rules = SlotRule.objects.filter(channel=channel).select_related("programme")
    for rule in rules:
        for day, entry in days.items():
            if rule.applies_on(day):
                expected = local_datetime(day, rule.local_time)
                if expected not in starts:
                    entry.unfilled.append(rule)
    return list(days.values())


def hour_rows(days: list[CalendarDay]) -> list[tuple[int, list[HourCell]]]:
    """The week view's rows: for each hour of the day, one cell per day with
    the airings starting and the unfilled slots due in that hour."""
    return [
        (
            hour,
            [
                HourCell(
                    date=day.date,
                    hour=hour,
                    airings=[a for a in day.airings if a.local_start.hour == hour],
                    unfilled=[r for r in day.unfilled if r.local_time.hour == hour],
                )
                for day in days
            ],
        )
        for hour in range(24)
    ]
