"""The schedule in the admin: the coming 14 days per channel, forms that
show the refusals in Chinese, generation from a slot rule, and the Excel
节目单 read back."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cms.schedules.models import Airing, AiringKind, SlotRule, Weekday
from cms.schedules.services import airing_schedule
from cms.schedules.timezones import SCHEDULE_TZ, local_datetime

from .builders import make_channel, make_episode, make_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def channel(demo):
    return make_channel()


@pytest.fixture
def programme(demo):
    return make_programme(title="排播测试节目")


def today():
    return timezone.now().astimezone(SCHEDULE_TZ).date()


def schedule_on(channel, programme, day, time, *, minutes=30, **fields):
    start = local_datetime(day, time)
    return airing_schedule(
        channel=channel,
        programme=programme,
        start_at=start,
        end_at=start + dt.timedelta(minutes=minutes),
        **fields,
    )


def results(client, query=""):
    """The listing's table alone, without the filter form's options."""
    url = reverse("schedules_airings:index_results") + query
    return client.get(url).content.decode()


def test_list_opens_on_the_coming_14_days_and_filters_per_channel(
    admin_client, channel, programme
):
    other_channel = make_channel("另一频道")
    other = make_programme(title="别的频道的节目", slug="other-programme")
    soon = today() + dt.timedelta(days=13)
    schedule_on(channel, programme, soon, dt.time(23, 0), house_number="IN-14")
    schedule_on(
        channel,
        programme,
        today() + dt.timedelta(days=14),
        dt.time(0, 5),
        house_number="OUT-15",
    )
    schedule_on(
        channel,
        programme,
        today() - dt.timedelta(days=1),
        dt.time(9, 0),
        house_number="PAST-1",
    )
    schedule_on(other_channel, other, soon, dt.time(9, 0))

    assert admin_client.get(reverse("schedules_airings:index")).status_code == 200
    html = results(admin_client)
    assert f"{soon:%Y-%m-%d}" in html and "23:00–23:30" in html
    assert "排播测试节目" in html and "别的频道的节目" in html
    assert "排播测试节目" in results(admin_client, "?q=IN-14")
    for hidden in ("OUT-15", "PAST-1"):
        assert "排播测试节目" not in results(admin_client, f"?q={hidden}")

    filtered = results(admin_client, f"?channel={channel.pk}")
    assert "排播测试节目" in filtered and "别的频道的节目" not in filtered


def test_list_shows_another_range_when_asked(admin_client, channel, programme):
    far = today() + dt.timedelta(days=40)
    schedule_on(channel, programme, far, dt.time(8, 0))
    assert "排播测试节目" not in results(admin_client)
    assert "排播测试节目" in results(admin_client, f"?first_day={far:%Y-%m-%d}")


def form_data(channel, programme, start, minutes=30, **extra):
    return {
        "channel": channel.pk,
        "programme": programme.pk,
        "episode": "",
        "start_at": f"{start:%Y-%m-%d %H:%M}",
        "end_at": f"{start + dt.timedelta(minutes=minutes):%Y-%m-%d %H:%M}",
        "kind": AiringKind.FIRST_RUN,
        "house_number": "",
        **extra,
    }


def test_create_form_schedules_in_beijing_time(admin_client, channel, programme):
    start = dt.datetime(2026, 5, 2, 19, 30)
    response = admin_client.post(
        reverse("schedules_airings:add"), form_data(channel, programme, start)
    )
    assert response.status_code == 302
    airing = Airing.objects.get(channel=channel)
    assert airing.start_at == dt.datetime(2026, 5, 2, 11, 30, tzinfo=dt.UTC)


def test_create_form_shows_overlap_refusal_in_chinese(admin_client, channel, programme):
    schedule_on(channel, programme, dt.date(2026, 5, 2), dt.time(19, 30))
    response = admin_client.post(
        reverse("schedules_airings:add"),
        form_data(channel, programme, dt.datetime(2026, 5, 2, 19, 45)),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "时间重叠" in html and "2026-05-02 19:30–20:00" in html
    assert Airing.objects.filter(channel=channel).count() == 1


def test_edit_form_shows_overlong_episode_refusal(admin_client, channel, programme):
    episode = make_episode(programme, 7, title="超长的一期", minutes=45)
    airing = schedule_on(channel, programme, dt.date(2026, 5, 2), dt.time(19, 30))
    response = admin_client.post(
        reverse("schedules_airings:edit", args=[airing.pk]),
        form_data(
            channel, programme, dt.datetime(2026, 5, 2, 19, 30), episode=episode.pk
        ),
    )
    assert response.status_code == 200
    assert "单集《超长的一期》时长 45:00，超过播出时段 30:00。" in (
        response.content.decode()
    )
    airing.refresh_from_db()
    assert airing.episode_id is None


def test_generate_view_makes_a_rules_airings(admin_client, channel, programme):
    rule = SlotRule.objects.create(
        programme=programme,
        channel=channel,
        weekday=Weekday.SATURDAY,
        local_time=dt.time(19, 30),
        duration=dt.timedelta(minutes=30),
        valid_from=dt.date(2026, 1, 1),
    )
    url = reverse("schedules_rules:generate", args=[rule.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url, {"first_day": "2026-05-01", "last_day": "2026-05-31"}, follow=True
    )
    assert "已生成 5 次播出" in response.content.decode()
    assert Airing.objects.filter(slot_rule=rule).count() == 5
    bad = admin_client.post(url, {"first_day": "2026-05-31", "last_day": "2026-05-01"})
    assert bad.status_code == 200
    assert "截止日期不能早于起始日期" in bad.content.decode()


def test_listing_export_reads_back_in_station_layout(admin_client, channel, programme):
    first = make_episode(programme, 12, title="沙漠里的水", minutes=26)
    schedule_on(channel, programme, dt.date(2026, 5, 2), dt.time(19, 30), episode=first)
    schedule_on(
        channel,
        programme,
        dt.date(2026, 5, 3),
        dt.time(0, 15),
        minutes=45,
        kind=AiringKind.REPEAT,
    )
    # Outside the range: the day after.
    schedule_on(channel, programme, dt.date(2026, 5, 4), dt.time(0, 0))
    response = admin_client.get(
        reverse("schedules_listing:index"),
        {
            "channel": channel.pk,
            "first_day": "2026-05-02",
            "last_day": "2026-05-03",
            "export": "1",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert rows == [
        ["日期", "时间", "节目", "单集标题", "期数", "时长", "首播/重播"],
        [
            "2026-05-02 周六",
            "19:30",
            "排播测试节目",
            "沙漠里的水",
            "第 12 期",
            "30:00",
            "首播",
        ],
        ["2026-05-03 周日", "00:15", "排播测试节目", "待定", None, "45:00", "重播"],
    ]
    assert "测试频道" in sheet["A1"].value


def test_listing_export_refuses_bad_range_in_chinese(admin_client, channel):
    response = admin_client.get(
        reverse("schedules_listing:index"),
        {
            "channel": channel.pk,
            "first_day": "2026-05-03",
            "last_day": "2020-05-02",
            "export": "1",
        },
    )
    assert response.status_code == 200
    assert "截止日期不能早于起始日期" in response.content.decode()
    missing = admin_client.get(
        reverse("schedules_listing:index"),
        {"channel": "9999999", "first_day": "x", "export": "1"},
    )
    assert missing.status_code == 200
    assert "日期" in missing.content.decode()


def test_list_export_button_carries_the_channel_and_bad_dates_fall_back(
    admin_client, channel, programme
):
    schedule_on(channel, programme, today() + dt.timedelta(days=1), dt.time(9, 0))
    page = admin_client.get(
        reverse("schedules_airings:index"), {"channel": channel.pk}
    ).content.decode()
    assert f"{reverse('schedules_listing:index')}?channel={channel.pk}" in page
    form = admin_client.get(reverse("schedules_listing:index"), {"channel": channel.pk})
    assert form.status_code == 200
    assert f'<option value="{channel.pk}" selected>' in form.content.decode()
    # A mistyped date shows the coming days rather than every airing.
    assert "排播测试节目" in results(admin_client, "?first_day=2026-13-45")


@pytest.mark.parametrize(
    ("role", "index", "add", "asrun"),
    [
        ("editor", 200, 200, 200),
        ("producer", 200, "refused", "refused"),
        ("reviewer", "refused", "refused", "refused"),
    ],
)
def test_roles_reach_what_their_job_needs(client, demo, role, index, add, asrun):
    from tests.conftest import make_user

    groups = {"editor": "编辑", "producer": "制片", "reviewer": "审核专家"}
    client.force_login(make_user(role, groups=[groups[role]]))

    def outcome(url):
        response = client.get(url)
        if response.status_code == 200:
            return 200
        # Wagtail sends who may not see a page back to the dashboard.
        assert response.status_code in (302, 403), response.status_code
        return "refused"

    assert outcome(reverse("schedules_airings:index")) == index
    assert outcome(reverse("schedules_airings:add")) == add
    assert outcome(reverse("schedules_asrun:upload")) == asrun


def test_calendar_shows_a_channels_week_and_month_with_unfilled_slots(
    admin_client, channel, programme
):
    SlotRule.objects.create(
        programme=programme,
        channel=channel,
        weekday=Weekday.SATURDAY,
        local_time=dt.time(19, 30),
        duration=dt.timedelta(minutes=30),
        valid_from=dt.date(2026, 1, 1),
    )
    # 2 May 2026 is a Saturday: the rule's slot there is filled, 9 May's not.
    schedule_on(channel, programme, dt.date(2026, 5, 2), dt.time(19, 30))
    url = reverse("schedules_calendar:index")
    week = admin_client.get(url, {"channel": channel.pk, "day": "2026-04-29"})
    html = week.content.decode()
    assert week.status_code == 200
    assert "2026-04-27 至 2026-05-03" in html
    assert "19:30 排播测试节目" in html and "未排上</span>" not in html
    next_week = admin_client.get(url, {"channel": channel.pk, "day": "2026-05-09"})
    assert "未排上</span> 19:30 排播测试节目" in next_week.content.decode()
    month = admin_client.get(
        url, {"channel": channel.pk, "day": "2026-05-20", "view": "month"}
    ).content.decode()
    assert "2026 年 5 月" in month and "19:30 排播测试节目" in month
    # Every Saturday of May but the 2nd is unfilled: 9, 16, 23, 30.
    assert month.count("未排上</span>") == 4
    assert admin_client.get(url, {"day": "not-a-date"}).status_code == 200


@pytest.mark.parametrize(
    "bad",
    [
        {"start_at": "明天晚上"},
        {"end_at": "2026-05-02 19:00"},  # before the start
        {"channel": "999999"},
        {"episode": "999999"},
    ],
)
def test_airing_form_nonsense_is_refused_not_500(admin_client, channel, programme, bad):
    data = form_data(channel, programme, dt.datetime(2026, 5, 2, 19, 30))
    data.update(bad)
    response = admin_client.post(reverse("schedules_airings:add"), data)
    assert response.status_code == 200
    assert not Airing.objects.filter(channel=channel).exists()
