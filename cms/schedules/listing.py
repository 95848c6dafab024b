"""The 节目单 stations receive: a channel's airings for a date range, one
row an airing, in the layout stations use, as an Excel workbook."""

import datetime as dt
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.broadcasters.models import Channel

from .models import Airing
from .timezones import day_bounds, format_duration, local

WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class ListingRow:
    date: str
    time: str
    programme: str
    episode_title: str
    episode_number: str
    duration: str
    kind: str

    @classmethod
    def of(cls, airing: Airing) -> "ListingRow":
        start = local(airing.start_at)
        episode = airing.episode.specific if airing.episode_id else None
        return cls(
            date=f"{start:%Y-%m-%d} 周{WEEKDAYS[start.weekday()]}",
            time=f"{start:%H:%M}",
            programme=airing.programme.title,
            episode_title=episode.title if episode else _("待定"),
            episode_number=str(episode.number_label) if episode else "",
            duration=format_duration(airing.duration),
            kind=airing.get_kind_display(),
        )


HEADERS = [
    gettext_lazy("日期"),
    gettext_lazy("时间"),
    gettext_lazy("节目"),
    gettext_lazy("单集标题"),
    gettext_lazy("期数"),
    gettext_lazy("时长"),
    gettext_lazy("首播/重播"),
]


def listing_airings(*, channel: Channel, first_day: dt.date, last_day: dt.date):
    return (
        Airing.objects.on_channel(channel)
        .between(*day_bounds(first_day, last_day))
        .select_related("programme", "episode")
        .order_by("start_at")
    )


def listing_rows(*, channel, first_day, last_day) -> list[ListingRow]:
    return [
        ListingRow.of(a)
        for a in listing_airings(
            channel=channel, first_day=first_day, last_day=last_day
        )
    ]


def listing_workbook(*, channel: Channel, first_day: dt.date, last_day: dt.date):
    """The 节目单 as .xlsx bytes: a title line, the column headers on row 3,
    then one row per airing in time order (Beijing time)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("节目单")
    sheet.append(
        [
            _("%(channel)s 节目单 %(first)s 至 %(last)s（北京时间）")
            % {"channel": channel, "first": first_day, "last": last_day}
        ]
    )
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append([str(h) for h in HEADERS])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in listing_rows(channel=channel, first_day=first_day, last_day=last_day):
        sheet.append(
            [
                row.date,
                row.time,
                row.programme,
                row.episode_title,
                row.episode_number,
                row.duration,
                row.kind,
            ]
        )
    for column, width in zip("ABCDEFG", (16, 8, 20, 32, 10, 10, 10), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
