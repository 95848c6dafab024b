"""A channel's schedule laid out as a week or a month of days, with the
slots its rules expect but no airing fills (a day the schedule refused, or
one never generated) shown beside the airings."""

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass, field

from cms.broadcasters.models import Channel

from .models import Airing, SlotRule
from .timezones import day_bounds, local, local_datetime


@dataclass
class CalendarDay:
    date: dt.date
    in_period: bool
    airings: list[Airing] = field(default_factory=list)
    #: Rules that expect an airing this day that no airing fills.
    unfilled: list[SlotRule] = field(default_factory=list)


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def month_grid(day: dt.date) -> tuple[dt.date, dt.date]:
    """From the Monday on or before the 1st to the Sunday on or after the
    month's last day: whole weeks, as a wall calendar shows a month."""
    first = day.replace(day=1)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    return week_of(first)[0], week_of(last)[1]


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
        .select_related("programme", "episode")
        .order_by("start_at")
    )
    starts = set()
    for airing in airings:
        days[local(airing.start_at).date()].airings.append(airing)
        starts.add(airing.start_at)
    rules = SlotRule.objects.filter(channel=channel).select_related("programme")
    for rule in rules:
        for day, entry in days.items():
            if rule.applies_on(day):
                expected = local_datetime(day, rule.local_time)
                if expected not in starts:
                    entry.unfilled.append(rule)
    return list(days.values())
