"""Dragging an airing in the 播出日历: the endpoint its script posts to moves
the airing through the schedule's rules, refuses in Chinese what they
refuse and changes nothing then; and the calendar marks conflicts and lets
only those who may change an airing drag it."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from cms.programmes.models import EpisodePage
from cms.schedules.models import Airing, AiringStatus
from cms.schedules.timezones import local_datetime

from .builders import make_channel, make_episode, make_programme

pytestmark = pytest.mark.django_db

SATURDAY = dt.date(2026, 5, 2)


@pytest.fixture
def world(demo):
    channel = make_channel()
    programme = make_programme(title="拖动测试节目", slug="drag-programme")
    episode = make_episode(programme, 3, title="会变长的一期", minutes=26)

    def airing(day, time, minutes=30, **fields):
        start = local_datetime(day, time)
        return Airing.objects.create(
            channel=channel,
            programme=programme,
            start_at=start,
            end_at=start + dt.timedelta(minutes=minutes),
            **fields,
        )

    return {
        "channel": channel,
        "programme": programme,
        "episode": episode,
        "airing": airing,
        "evening": airing(SATURDAY, dt.time(19, 30), episode=episode),
        "late": airing(SATURDAY, dt.time(22, 0)),
    }


def move(client, airing, start):
    url = reverse("schedules_calendar:move", args=[airing.pk])
    data = {} if start is None else {"start": start}
    return client.post(url, data)


def refusal(response) -> str:
    """The schedule's reasons for refusing a move, answered as a form that
    does not validate is: 200, ``ok`` false."""
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["ok"] is False
    return answer["message"]


def unchanged(airing):
    before = (airing.start_at, airing.end_at)
    airing.refresh_from_db()
    return (airing.start_at, airing.end_at) == before


def test_editor_moves_an_airing_keeping_its_length(client, editor, world):
    client.force_login(editor)
    response = move(client, world["evening"], "2026-05-03T08:15")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["ok"] is True
    assert (
        "已将《拖动测试节目 会变长的一期》移到 2026-05-03 08:15–08:45"
        in (answer["message"])
    )
    airing = world["evening"]
    airing.refresh_from_db()
    assert airing.start_at == dt.datetime(2026, 5, 3, 0, 15, tzinfo=dt.UTC)
    assert airing.end_at - airing.start_at == dt.timedelta(minutes=30)
    assert airing.episode_id == world["episode"].pk


def test_overlap_is_refused_in_chinese_and_nothing_changes(client, editor, world):
    client.force_login(editor)
    response = move(client, world["evening"], "2026-05-02T21:45")
    assert response.status_code == 200
    answer = response.json()
    assert answer["ok"] is False
    assert (
        "与测试电视台 测试频道 2026-05-02 22:00–22:30 播出的《拖动测试节目》时间重叠"
        in (answer["message"])
    )
    assert unchanged(world["evening"]) and unchanged(world["late"])


def test_episode_grown_longer_than_its_slot_is_refused(client, editor, world):
    # The episode was re-cut after it was scheduled: it no longer fits.
    EpisodePage.objects.filter(pk=world["episode"].pk).update(
        duration=dt.timedelta(minutes=40)
    )
    client.force_login(editor)
    response = move(client, world["evening"], "2026-05-02T09:00")
    assert response.status_code == 200
    assert (
        "单集《会变长的一期》时长 40:00，超过播出时段 30:00。"
        in (response.json()["message"])
    )
    assert unchanged(world["evening"])


def test_an_airing_the_asrun_log_settled_is_not_moved(client, editor, world):
    aired = world["airing"](
        dt.date(2026, 4, 25), dt.time(19, 30), status=AiringStatus.AIRED
    )
    client.force_login(editor)
    message = refusal(move(client, aired, "2026-04-26T19:30"))
    assert "已核对播出记录（已播出），不能再移动" in message
    assert unchanged(aired)


@pytest.mark.parametrize("role", ["producer", "reviewer"])
def test_who_may_not_change_the_airing_gets_403(client, world, role):
    from tests.conftest import make_user

    groups = {"producer": "制片", "reviewer": "审核专家"}
    client.force_login(make_user(f"move-{role}", groups=[groups[role]]))
    response = move(client, world["evening"], "2026-05-03T08:15")
    if role == "producer":
        # 制片 see the schedule but do not change it.
        assert response.status_code == 403
        assert response.json()["message"] == "你没有移动这次播出的权限。"
    else:
        # Without any schedule permission Wagtail keeps them out of the admin
        # views altogether, or the view refuses: never a move.
        assert response.status_code in (302, 403)
    assert unchanged(world["evening"])


@pytest.mark.parametrize(
    "start",
    [None, "", "明天晚上", "2026-13-45T25:00", "0001-01-01T00:00", "9999-12-31T23:50"],
)
def test_bad_start_is_400_with_a_chinese_reason(client, editor, world, start):
    client.force_login(editor)
    response = move(client, world["evening"], start)
    assert response.status_code == 400
    assert response.json()["message"] == "请给出新的开始时间，例如 2026-05-02T19:30。"
    assert unchanged(world["evening"])


def test_unknown_airing_and_get_are_refused_not_500(client, editor, world):
    client.force_login(editor)
    gone = client.post(
        reverse("schedules_calendar:move", args=[999999]), {"start": "2026-05-03T08:00"}
    )
    assert gone.status_code == 404
    assert gone.json()["message"] == "这次播出已不存在，请刷新日历。"
    url = reverse("schedules_calendar:move", args=[world["evening"].pk])
    assert client.get(url).status_code == 405


def test_the_move_needs_the_csrf_token(editor, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    url = reverse("schedules_calendar:move", args=[world["evening"].pk])
    assert client.post(url, {"start": "2026-05-03T08:15"}).status_code == 403
    assert unchanged(world["evening"])
    page = client.get(
        reverse("schedules_calendar:index"),
        {"channel": world["channel"].pk, "day": "2026-05-02"},
    )
    token = page.cookies["csrftoken"].value
    moved = client.post(
        url, {"start": "2026-05-03T08:15"}, headers={"X-CSRFToken": token}
    )
    assert moved.status_code == 200


def test_calendar_marks_conflicts_and_lets_only_editors_drag(client, editor, world):
    # Written around the services (as an old import might have): an overlap,
    # and an episode re-cut longer than its slot.
    world["airing"](SATURDAY, dt.time(22, 15))
    EpisodePage.objects.filter(pk=world["episode"].pk).update(
        duration=dt.timedelta(minutes=40)
    )
    client.force_login(editor)
    url = reverse("schedules_calendar:index")
    query = {"channel": world["channel"].pk, "day": "2026-05-02"}
    week = client.get(url, query).content.decode()
    assert week.count("schedule-calendar__airing--conflict") == 3
    assert (
        "与测试电视台 测试频道 2026-05-02 22:15–22:45 播出的《拖动测试节目》时间重叠"
        in week
    )
    assert "单集《会变长的一期》时长 40:00，超过播出时段 30:00。" in week
    assert "周一 4月27日" in week and "周六 5月2日" in week
    # The week's hour cells take drops; the airings carry where to post.
    assert 'data-drop-day="2026-05-02" data-drop-hour="19"' in week
    move_url = reverse("schedules_calendar:move", args=[world["evening"].pk])
    assert f'data-move-url="{move_url}"' in week
    assert "schedules/calendar.js" in week
    month = client.get(url, {**query, "view": "month"}).content.decode()
    assert f'data-move-url="{move_url}"' in month
    assert 'data-drop-day="2026-05-31"' in month

    from tests.conftest import make_user

    client.force_login(make_user("calendar-producer", groups=["制片"]))
    seen = client.get(url, query)
    assert seen.status_code == 200
    html = seen.content.decode()
    assert "19:30 拖动测试节目" in html and "data-move-url" not in html
