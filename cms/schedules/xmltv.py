"""A channel's coming schedule as XMLTV, the listing format set-top boxes,
EPG aggregators and media centres read."""

from pathlib import Path

from django.conf import settings
from django.utils import timezone
from lxml import etree

from .models import Airing, AiringKind, ScheduleChannel
from .timezones import local

DTD_PATH = Path(__file__).with_name("xmltv.dtd")
LANG = "zh"


def xmltv_time(value) -> str:
    """XMLTV's time format, in Beijing time with its offset."""
    return local(value).strftime("%Y%m%d%H%M%S %z")


def xmltv_document(*, schedule_channel: ScheduleChannel, airings) -> bytes:
    """The XMLTV document for one channel and its ``airings``, UTF-8, with
    the DOCTYPE naming the XMLTV DTD."""
    channel = schedule_channel.channel
    tv = etree.Element(
        "tv",
        {
            "date": timezone.now().strftime("%Y%m%d%H%M%S %z"),
            "source-info-name": "百嘎丽",
            "source-info-url": settings.WAGTAILADMIN_BASE_URL,
            "generator-info-name": "百嘎丽 media CMS",
        },
    )
    channel_el = etree.SubElement(tv, "channel", id=schedule_channel.xmltv_id)
    etree.SubElement(channel_el, "display-name", lang=LANG).text = str(channel)
    etree.SubElement(channel_el, "display-name", lang=LANG).text = channel.name
    if channel.frequency:
        etree.SubElement(channel_el, "display-name").text = channel.frequency
    if channel.broadcaster.website:
        etree.SubElement(channel_el, "url").text = channel.broadcaster.website
    for airing in airings:
        _programme(tv, airing, schedule_channel.xmltv_id)
    return etree.tostring(
        tv,
        xml_declaration=True,
        encoding="UTF-8",
        pretty_print=True,
        doctype='<!DOCTYPE tv SYSTEM "xmltv.dtd">',
    )


def _programme(tv, airing: Airing, channel_id: str) -> None:
    element = etree.SubElement(
        tv,
        "programme",
        start=xmltv_time(airing.start_at),
        stop=xmltv_time(airing.end_at),
        channel=channel_id,
    )
    etree.SubElement(element, "title", lang=LANG).text = airing.programme.title
    episode = airing.episode.specific if airing.episode_id else None
    if episode is not None:
        etree.SubElement(element, "sub-title", lang=LANG).text = episode.title
        if episode.summary:
            etree.SubElement(element, "desc", lang=LANG).text = episode.summary
    minutes = round(airing.duration.total_seconds() / 60)
    etree.SubElement(element, "length", units="minutes").text = str(minutes)
    url = (episode or airing.programme).full_url
    if url:
        etree.SubElement(element, "url").text = url
    if episode is not None:
        # xmltv_ns counts from zero: "season . episode . part", season unknown.
        etree.SubElement(
            element, "episode-num", system="xmltv_ns"
        ).text = f" . {episode.episode_number - 1} . "
        etree.SubElement(element, "episode-num", system="onscreen").text = str(
            episode.number_label
        )
    # "new" for a first run and "previously-shown" for a repeat, the way EPG
    # grabbers flag first-run episodes.
    if airing.kind == AiringKind.REPEAT:
        etree.SubElement(element, "previously-shown")
    else:
        etree.SubElement(element, "new")


def xmltv_dtd() -> etree.DTD:
    with DTD_PATH.open("rb") as dtd_file:
        return etree.DTD(dtd_file)
