"""The demo's schedule: the demo programmes on their demo channels from four
weeks ago to four weeks ahead, and as-run logs for the weeks gone by with a
late and a missing airing, so every page of the schedule has something real
to show. Loading twice changes nothing."""

import csv
import datetime as dt
import io
from itertools import cycle

from django.utils import timezone

from cms.broadcasters.models import Channel
from cms.programmes.models import EpisodePage, ProgramPage

from .asrun import asrun_import
from .models import AiringKind, AsRunImport, ScheduleChannel, SlotRule, Weekday
from .services import slot_airings_generate
from .timezones import local

WEEKS = 4
#: (programme slug, channel name, schedule slug, weekday, time, kind)
SLOTS = [
    (
        "baigali-kepu-kaijiang",
        "新闻综合频道",
        "ordos-news",
        Weekday.SATURDAY,
        dt.time(19, 30),
        AiringKind.FIRST_RUN,
    ),
    (
        "baigali-kepu-kaijiang",
        "交通音乐广播",
        "ordos-traffic-radio",
        Weekday.SUNDAY,
        dt.time(10, 0),
        AiringKind.REPEAT,
    ),
    (
        "keji-wei-ketang",
        "百嘎丽新媒体",
        "baigali-online",
        Weekday.WEDNESDAY,
        dt.time(12, 0),
        AiringKind.FIRST_RUN,
    ),
]
SLOT_LENGTH = dt.timedelta(minutes=30)
#: On the TV channel's log the latest past airing started late and the
#: second did not go out at all (a line-less airing counts as missing only
#: inside the days a log covers, so it cannot be the first or the last).
LATE_BY = dt.timedelta(minutes=3)


def demo_schedules() -> None:
    today = local(timezone.now()).date()
    first_day = today - dt.timedelta(weeks=WEEKS)
    last_day = today + dt.timedelta(weeks=WEEKS)
    for programme_slug, channel_name, slug, weekday, time, kind in SLOTS:
        programme = ProgramPage.objects.filter(slug=programme_slug).first()
        channel = Channel.objects.filter(name=channel_name).first()
        if programme is None or channel is None:
            continue
        ScheduleChannel.objects.get_or_create(channel=channel, defaults={"slug": slug})
        rule, _ = SlotRule.objects.get_or_create(
            programme=programme,
            channel=channel,
            weekday=weekday,
            local_time=time,
            defaults={
                "duration": SLOT_LENGTH,
                "kind": kind,
                "valid_from": first_day,
            },
        )
        episodes = list(
            EpisodePage.objects.child_of(programme).order_by("episode_number")
        )
        slot_airings_generate(
            rule=rule,
            first_day=max(first_day, rule.valid_from),
            last_day=last_day,
            episodes=cycle(episodes) if episodes else (),
        )
        if not AsRunImport.objects.filter(channel=channel).exists():
            _demo_asrun(rule, with_faults=slug == SLOTS[0][2])


def _demo_asrun(rule: SlotRule, *, with_faults: bool) -> None:
    """The station's as-run log for the rule's airings that have ended."""
    past = list(rule.airings.filter(end_at__lte=timezone.now()).order_by("start_at"))
    if not past:
        return
    if with_faults and len(past) >= 3:
        late, missing = past[-1], past[1]
    else:
        late = missing = None
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["频道", "实际开始", "实际结束", "节目名称", "节目库号"])
    for airing in past:
        if airing is missing:
            continue
        start = local(airing.start_at) + (LATE_BY if airing is late else dt.timedelta())
        end = start + airing.duration
        writer.writerow(
            [
                rule.channel.name,
                f"{start:%Y-%m-%d %H:%M:%S}",
                f"{end:%Y-%m-%d %H:%M:%S}",
                airing.title,
                "",
            ]
        )
    asrun_import(
        channel=rule.channel,
        file_name=f"demo-asrun-{rule.channel.schedule.slug}.csv",
        content=buffer.getvalue().encode("utf-8"),
    )
