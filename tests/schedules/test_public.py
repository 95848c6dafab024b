"""What the public gets: XMLTV valid against the DTD, an iCalendar feed a
maintained library parses, 节目预告 pages; and nothing of a draft, unpublished
or private page shows through any of them."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from lxml import etree
from wagtail.models import PageViewRestriction

from cms.schedules.models import AiringKind
from cms.schedules.services import airing_schedule, schedule_channel_for
from cms.schedules.timezones import SCHEDULE_TZ, local_datetime
from cms.schedules.xmltv import xmltv_dtd

from .builders import make_channel, make_episode, make_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(demo):
    channel = make_channel()
    programme = make_programme(title="公开节目", slug="public-programme")
    episode = make_episode(programme, 5, title="公开的一期", minutes=26)
    draft = make_episode(programme, 6, title="草稿的一期", live=False)
    day = timezone.now().astimezone(SCHEDULE_TZ).date() + dt.timedelta(days=2)
    first = local_datetime(day, dt.time(19, 30))
    airings = {
        "first": airing_schedule(
            channel=channel,
            programme=programme,
            episode=episode,
            start_at=first,
            end_at=first + dt.timedelta(minutes=30),
        ),
        "repeat": airing_schedule(
            channel=channel,
            programme=programme,
            episode=episode,
            start_at=first + dt.timedelta(days=1),
            end_at=first + dt.timedelta(days=1, minutes=30),
            kind=AiringKind.REPEAT,
        ),
        "draft": airing_schedule(
            channel=channel,
            programme=programme,
            episode=draft,
            start_at=first + dt.timedelta(hours=2),
            end_at=first + dt.timedelta(hours=2, minutes=30),
        ),
        # Beyond the coming 14 days: not in XMLTV or the page.
        "far": airing_schedule(
            channel=channel,
            programme=programme,
            start_at=first + dt.timedelta(days=20),
            end_at=first + dt.timedelta(days=20, minutes=30),
        ),
    }
    private = make_programme(title="内部节目", slug="private-programme")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.LOGIN
    )
    airings["private"] = airing_schedule(
        channel=channel,
        programme=private,
        start_at=first + dt.timedelta(hours=4),
        end_at=first + dt.timedelta(hours=4, minutes=30),
    )
    unpublished = make_programme(title="未发布节目", slug="unpublished", live=False)
    airings["unpublished"] = airing_schedule(
        channel=channel,
        programme=unpublished,
        start_at=first + dt.timedelta(hours=5),
        end_at=first + dt.timedelta(hours=5, minutes=30),
    )
    return {
        "channel": channel,
        "slug": schedule_channel_for(channel=channel).slug,
        "programme": programme,
        "private": private,
        "unpublished": unpublished,
        "airings": airings,
        "first": first,
    }


def test_xmltv_is_valid_against_the_dtd_and_lists_public_airings(client, world):
    response = client.get(f"/schedule/{world['slug']}/xmltv.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    document = etree.parse(io.BytesIO(response.content))
    dtd = xmltv_dtd()
    assert dtd.validate(document), dtd.error_log.filter_from_errors()
    assert document.docinfo.doctype == '<!DOCTYPE tv SYSTEM "xmltv.dtd">'

    root = document.getroot()
    (channel,) = root.findall("channel")
    assert channel.get("id") == f"{world['slug']}.baigali.cn"
    assert "测试频道" in channel.findtext("display-name")
    programmes = root.findall("programme")
    assert len(programmes) == 2
    first, repeat = programmes
    start = world["first"]
    assert first.get("start") == f"{start:%Y%m%d}193000 +0800"
    assert first.get("stop") == f"{start:%Y%m%d}200000 +0800"
    assert first.get("channel") == channel.get("id")
    assert first.findtext("title") == "公开节目"
    assert first.findtext("sub-title") == "公开的一期"
    assert first.find("length").text == "30"
    assert first.find("length").get("units") == "minutes"
    assert first.findtext("episode-num[@system='onscreen']") == "第 5 期"
    assert first.findtext("episode-num[@system='xmltv_ns']").strip() == ". 4 ."
    assert first.find("new") is not None and first.find("previously-shown") is None
    assert repeat.find("previously-shown") is not None and repeat.find("new") is None
    text = response.content.decode()
    for hidden in ("草稿的一期", "内部节目", "未发布节目"):
        assert hidden not in text


def test_the_dtd_rejects_what_xmltv_forbids(client, world):
    """The DTD is not a rubber stamp: a programme without its channel or with
    its children out of order is invalid."""
    dtd = xmltv_dtd()
    bad = etree.fromstring(
        b'<tv><programme start="20260101000000 +0800"><title>x</title></programme></tv>'
    )
    assert not dtd.validate(bad)
    out_of_order = etree.fromstring(
        b'<tv><programme start="20260101000000 +0800" channel="a">'
        b"<new/><title>x</title></programme></tv>"
    )
    assert not dtd.validate(out_of_order)
    assert client.get("/schedule/xmltv.dtd").status_code == 200


def test_unknown_channel_is_404(client, demo):
    assert client.get("/schedule/no-such-channel/xmltv.xml").status_code == 404
    assert client.get("/schedule/no-such-channel/").status_code == 404


def test_ical_feed_parses_and_holds_public_airings_in_utc(client, world):
    programme = world["programme"]
    response = client.get(reverse("schedules:programme_ical", args=[programme.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    airings = world["airings"]
    # The far airing is within the calendar's 60 days; drafts never are.
    by_uid = {str(e["UID"]): e for e in events}
    assert set(by_uid) == {
        f"airing-{airings[name].pk}@baigali.cn" for name in ("first", "repeat", "far")
    }
    first = by_uid[f"airing-{airings['first'].pk}@baigali.cn"]
    assert first.decoded("DTSTART") == airings["first"].start_at
    assert first.decoded("DTEND") - first.decoded("DTSTART") == dt.timedelta(minutes=30)
    assert str(first["SUMMARY"]) == "公开节目：公开的一期（第 5 期）"
    assert "测试频道" in str(first["LOCATION"])
    repeat = by_uid[f"airing-{airings['repeat'].pk}@baigali.cn"]
    assert "重播" in str(repeat["SUMMARY"])
    assert "草稿的一期" not in response.content.decode()


def test_private_or_unpublished_programme_has_no_public_schedule(client, world):
    for page in (world["private"], world["unpublished"]):
        assert (
            client.get(reverse("schedules:programme_ical", args=[page.pk])).status_code
            == 404
        )
        assert (
            client.get(
                reverse("schedules:programme_schedule", args=[page.pk])
            ).status_code
            == 404
        )


def test_programme_and_channel_pages_list_coming_public_airings(client, world):
    programme = world["programme"]
    response = client.get(reverse("schedules:programme_schedule", args=[programme.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "《公开节目》节目预告" in html and "公开的一期" in html
    assert "19:30" in html and "重播" in html
    assert "草稿的一期" not in html
    assert "airings.ics" in html

    by_channel = client.get(
        reverse("schedules:programme_schedule", args=[programme.pk]),
        {"channel": world["slug"]},
    )
    assert "公开的一期" in by_channel.content.decode()

    channel_page = client.get(f"/schedule/{world['slug']}/").content.decode()
    assert "公开节目" in channel_page and "公开的一期" in channel_page
    for hidden in ("草稿的一期", "内部节目", "未发布节目"):
        assert hidden not in channel_page


def test_programme_page_shows_its_next_airings_and_links_to_its_schedule(client, world):
    programme = world["programme"]
    # Whatever time zone is active, the times are Beijing time.
    with timezone.override(dt.UTC):
        response = client.get(programme.url)
    assert response.status_code == 200
    html = response.content.decode()
    section = html[html.index("近期播出") :]
    first = world["first"]
    assert f"{first:%-m月%-d日}" in section and "19:30" in section
    assert "测试电视台 测试频道" in section
    assert "首播" in section and "重播" in section
    assert "公开的一期" in section
    schedule_url = reverse("schedules:programme_schedule", args=[programme.pk])
    ical_url = reverse("schedules:programme_ical", args=[programme.pk])
    assert f'href="{schedule_url}">完整节目预告' in section
    assert f'href="{ical_url}">订阅日历（.ics）' in section
    # Only public schedule data: not the draft episode's airing (21:30), nor
    # the one beyond the coming two weeks.
    assert "草稿的一期" not in section and "21:30" not in section
    far = world["airings"]["far"].start_at.astimezone(SCHEDULE_TZ)
    assert f"{far:%-m月%-d日}" not in section


def test_episode_page_shows_its_own_coming_airings(client, world):
    episode = world["airings"]["first"].episode
    html = client.get(episode.url).content.decode()
    section = html[html.index("近期播出") :]
    assert section.count('class="schedule__airing"') == 2
    assert "首播" in section and "重播" in section and "测试电视台 测试频道" in section
    assert reverse("schedules:programme_schedule", args=[world["programme"].pk]) in (
        section
    )
    quiet = make_episode(world["programme"], 9, title="没有排播的一期")
    assert "近期播出" not in client.get(quiet.url).content.decode()


def test_programme_page_costs_the_same_queries_however_many_airings(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    programme = world["programme"]
    client.get(programme.url)  # caches warmed: site root paths and the like

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert client.get(programme.url).status_code == 200
        return len(context)

    before = queries()
    other_channel = make_channel("第二频道")
    for hours in (1, 2, 3):
        start = world["first"] + dt.timedelta(hours=hours)
        airing_schedule(
            channel=other_channel,
            programme=programme,
            episode=world["airings"]["first"].episode,
            start_at=start,
            end_at=start + dt.timedelta(minutes=30),
            kind=AiringKind.REPEAT,
        )
    html = client.get(programme.url).content.decode()
    assert html.count("测试电视台 第二频道") == 3
    assert queries() == before


def test_a_page_not_saved_yet_has_no_coming_airings(world):
    """A new programme or episode previewed before its first save."""
    from cms.programmes.models import EpisodePage, ProgramPage
    from cms.schedules.templatetags.schedule_tags import upcoming_airings

    for page in (ProgramPage(title="新节目"), EpisodePage(title="新的一期")):
        assert upcoming_airings(page)["airings"] == []
