"""A programme's coming airings as an iCalendar feed people subscribe to."""

from django.utils import timezone
from icalendar import Calendar, Event

from .models import AiringKind


def programme_calendar(*, programme, airings) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//百嘎丽//播出预告//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{programme.title} 播出预告")
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    stamp = timezone.now()
    for airing in airings:
        episode = airing.episode.specific if airing.episode_id else None
        event = Event()
        # Stable across regenerations, so calendars update an airing that
        # moved instead of showing it twice.
        event.add("uid", f"airing-{airing.pk}@baigali.cn")
        event.add("dtstamp", stamp)
        event.add("dtstart", airing.start_at)
        event.add("dtend", airing.end_at)
        summary = programme.title
        if episode is not None:
            summary += f"：{episode.title}（{episode.number_label}）"
        if airing.kind == AiringKind.REPEAT:
            summary += "［重播］"
        event.add("summary", summary)
        event.add("location", str(airing.channel))
        if episode is not None and episode.summary:
            event.add("description", episode.summary)
        url = (episode or programme).full_url
        if url:
            event.add("url", url)
        calendar.add_component(event)
    return calendar.to_ical()
