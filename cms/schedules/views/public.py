"""The public schedule: 节目预告 pages by channel and by programme, a
channel's XMLTV and a programme's iCalendar feed. Only live, publicly
viewable programmes and episodes appear (``AiringQuerySet.public``)."""

from itertools import groupby

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from cms.programmes.models import ProgramPage

from ..ical import programme_calendar
from ..models import ScheduleChannel
from ..public import CALENDAR_DAYS, coming_airings
from ..timezones import local
from ..xmltv import DTD_PATH, xmltv_document

#: Public listings change when editors schedule; a few minutes is fresh enough.
PUBLIC_MAX_AGE = 300


def _public_programme(pk: int) -> ProgramPage:
    return get_object_or_404(ProgramPage.objects.live().public(), pk=pk)


def _by_day(airings):
    return [
        (day, list(items))
        for day, items in groupby(airings, key=lambda a: local(a.start_at).date())
    ]


def _cacheable(response):
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response


@require_safe
def channel_schedule(request, slug: str):
    schedule_channel = get_object_or_404(
        ScheduleChannel.objects.select_related("channel__broadcaster"), slug=slug
    )
    airings = coming_airings().filter(channel=schedule_channel.channel)
    return _cacheable(
        render(
            request,
            "schedules/coming_airings.html",
            {
                "heading": f"{schedule_channel.channel} 节目预告",
                "days": _by_day(airings),
                "schedule_channel": schedule_channel,
                "show_programme": True,
            },
        )
    )


@require_safe
def programme_schedule(request, pk: int):
    programme = _public_programme(pk)
    airings = coming_airings().filter(programme=programme)
    slug = request.GET.get("channel")
    schedule_channel = None
    if slug:
        schedule_channel = get_object_or_404(ScheduleChannel, slug=slug)
        airings = airings.filter(channel=schedule_channel.channel)
    channels = ScheduleChannel.objects.filter(
        channel__in=coming_airings().filter(programme=programme).values("channel")
    ).select_related("channel__broadcaster")
    return _cacheable(
        render(
            request,
            "schedules/coming_airings.html",
            {
                "heading": f"《{programme.title}》节目预告",
                "programme": programme,
                "days": _by_day(airings),
                "channels": channels,
                "schedule_channel": schedule_channel,
                "show_channel": True,
            },
        )
    )


@require_safe
def channel_xmltv(request, slug: str):
    schedule_channel = get_object_or_404(
        ScheduleChannel.objects.select_related("channel__broadcaster"), slug=slug
    )
    airings = coming_airings().filter(channel=schedule_channel.channel)
    document = xmltv_document(schedule_channel=schedule_channel, airings=airings)
    return _cacheable(
        HttpResponse(document, content_type="application/xml; charset=utf-8")
    )


@require_safe
def xmltv_dtd(request):
    return _cacheable(
        FileResponse(DTD_PATH.open("rb"), content_type="application/xml-dtd")
    )


@require_safe
def programme_ical(request, pk: int):
    programme = _public_programme(pk)
    airings = coming_airings(days=CALENDAR_DAYS).filter(programme=programme)
    response = HttpResponse(
        programme_calendar(programme=programme, airings=airings),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="programme-{pk}.ics"'
    return _cacheable(response)
