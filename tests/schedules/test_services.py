"""Slot rules make airings in Beijing time, stored in UTC; the schedule
refuses overlaps and over-long episodes with reasons in Chinese."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cms.schedules.models import Airing, AiringKind, SlotRule, Weekday
from cms.schedules.services import airing_schedule, slot_airings_generate
from cms.schedules.timezones import SCHEDULE_TZ

from .builders import make_channel, make_episode, make_programme

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def channel(demo):
    return make_channel()


@pytest.fixture
def programme(demo):
    return make_programme()


def rule(programme, channel, **fields):
    values = {
        "weekday": Weekday.SATURDAY,
        "local_time": dt.time(19, 30),
        "duration": dt.timedelta(minutes=30),
        "kind": AiringKind.FIRST_RUN,
        "valid_from": dt.date(2026, 1, 1),
    }
    values.update(fields)
    return SlotRule.objects.create(programme=programme, channel=channel, **values)


def test_weekly_rule_makes_one_airing_each_matching_day_in_utc(programme, channel):
    saturday_slot = rule(programme, channel)
    # 2026-03-01 is a Sunday; the Saturdays in range are 7, 14, 21, 28.
    result = slot_airings_generate(
        rule=saturday_slot,
        first_day=dt.date(2026, 3, 1),
        last_day=dt.date(2026, 3, 28),
    )
    starts = [a.start_at for a in result.created]
    assert starts == [
        dt.datetime(2026, 3, day, 11, 30, tzinfo=UTC) for day in (7, 14, 21, 28)
    ]
    assert all(
        a.end_at - a.start_at == dt.timedelta(minutes=30) for a in result.created
    )
    assert all(a.kind == AiringKind.FIRST_RUN for a in result.created)
    # Read back from the database: stored in UTC, Beijing time is UTC+8.
    stored = Airing.objects.filter(slot_rule=saturday_slot).first()
    assert stored.start_at.astimezone(SCHEDULE_TZ).time() == dt.time(19, 30)


def test_early_morning_local_slot_falls_on_the_previous_utc_day(programme, channel):
    # 00:30 on Monday in Beijing is 16:30 on Sunday in UTC.
    monday = rule(programme, channel, weekday=Weekday.MONDAY, local_time=dt.time(0, 30))
    result = slot_airings_generate(
        rule=monday, first_day=dt.date(2026, 3, 2), last_day=dt.date(2026, 3, 2)
    )
    (airing,) = result.created
    assert airing.start_at == dt.datetime(2026, 3, 1, 16, 30, tzinfo=UTC)


def test_range_and_validity_edges_are_inclusive(programme, channel):
    # Valid on exactly two Saturdays: the first and the last day of validity.
    bounded = rule(
        programme,
        channel,
        valid_from=dt.date(2026, 3, 7),
        valid_until=dt.date(2026, 3, 14),
    )
    result = slot_airings_generate(
        rule=bounded, first_day=dt.date(2026, 2, 1), last_day=dt.date(2026, 4, 30)
    )
    assert [a.start_at.astimezone(SCHEDULE_TZ).date() for a in result.created] == [
        dt.date(2026, 3, 7),
        dt.date(2026, 3, 14),
    ]
    # The range's last day is included too, and a day past it is not.
    open_rule = rule(programme, channel, weekday=Weekday.SUNDAY)
    result = slot_airings_generate(
        rule=open_rule, first_day=dt.date(2026, 3, 2), last_day=dt.date(2026, 3, 8)
    )
    assert len(result.created) == 1
    assert result.created[0].start_at.astimezone(SCHEDULE_TZ).date() == dt.date(
        2026, 3, 8
    )


def test_late_evening_slot_crossing_midnight_and_year_end(programme, channel):
    late = rule(
        programme,
        channel,
        weekday=Weekday.THURSDAY,
        local_time=dt.time(23, 50),
        duration=dt.timedelta(minutes=20),
        valid_from=dt.date(2026, 12, 1),
    )
    # 2026-12-31 is a Thursday.
    (airing,) = slot_airings_generate(
        rule=late, first_day=dt.date(2026, 12, 31), last_day=dt.date(2026, 12, 31)
    ).created
    assert airing.start_at == dt.datetime(2026, 12, 31, 15, 50, tzinfo=UTC)
    assert airing.end_at.astimezone(SCHEDULE_TZ) == dt.datetime(
        2027, 1, 1, 0, 10, tzinfo=SCHEDULE_TZ
    )


def test_generating_twice_adds_nothing(programme, channel):
    weekly = rule(programme, channel)
    days = {"first_day": dt.date(2026, 3, 1), "last_day": dt.date(2026, 3, 31)}
    first = slot_airings_generate(rule=weekly, **days)
    second = slot_airings_generate(rule=weekly, **days)
    assert len(first.created) == 4
    assert second.created == [] and len(second.existing) == 4
    assert Airing.objects.filter(channel=channel).count() == 4


def test_episodes_are_scheduled_into_generated_airings_in_order(programme, channel):
    episodes = [make_episode(programme, n) for n in (1, 2)]
    weekly = rule(programme, channel)
    result = slot_airings_generate(
        rule=weekly,
        first_day=dt.date(2026, 3, 1),
        last_day=dt.date(2026, 3, 21),
        episodes=episodes,
    )
    assert [a.episode_id for a in result.created] == [
        episodes[0].pk,
        episodes[1].pk,
        None,
    ]


def test_overlapping_airing_on_one_channel_is_refused_with_reason(programme, channel):
    start = dt.datetime(2026, 3, 7, 19, 30, tzinfo=SCHEDULE_TZ)
    airing_schedule(
        channel=channel,
        programme=programme,
        start_at=start,
        end_at=start + dt.timedelta(minutes=30),
    )
    with pytest.raises(ValidationError) as refused:
        airing_schedule(
            channel=channel,
            programme=programme,
            start_at=start + dt.timedelta(minutes=20),
            end_at=start + dt.timedelta(minutes=50),
        )
    (reason,) = refused.value.messages
    assert "时间重叠" in reason and "2026-03-07 19:30–20:00" in reason
    # Back to back is fine, and so is the same time on another channel.
    airing_schedule(
        channel=channel,
        programme=programme,
        start_at=start + dt.timedelta(minutes=30),
        end_at=start + dt.timedelta(minutes=60),
    )
    airing_schedule(
        channel=make_channel("另一频道"),
        programme=programme,
        start_at=start,
        end_at=start + dt.timedelta(minutes=30),
    )
    assert Airing.objects.filter(programme=programme).count() == 3


def test_generation_reports_refused_days_and_continues(programme, channel):
    blocker_start = dt.datetime(2026, 3, 14, 19, 0, tzinfo=SCHEDULE_TZ)
    airing_schedule(
        channel=channel,
        programme=programme,
        start_at=blocker_start,
        end_at=blocker_start + dt.timedelta(hours=1),
    )
    episodes = [make_episode(programme, n) for n in (1, 2)]
    result = slot_airings_generate(
        rule=rule(programme, channel),
        first_day=dt.date(2026, 3, 1),
        last_day=dt.date(2026, 3, 21),
        episodes=episodes,
    )
    assert len(result.created) == 2
    ((day, reasons),) = result.refused
    assert day == dt.date(2026, 3, 14) and "时间重叠" in reasons[0]
    # The refused day does not use up an episode: both are scheduled.
    assert [a.episode_id for a in result.created] == [e.pk for e in episodes]


def test_episode_longer_than_its_slot_is_refused_with_reason(programme, channel):
    long_episode = make_episode(programme, 1, title="很长的一期", minutes=31)
    start = dt.datetime(2026, 3, 7, 19, 30, tzinfo=SCHEDULE_TZ)
    with pytest.raises(ValidationError) as refused:
        airing_schedule(
            channel=channel,
            programme=programme,
            episode=long_episode,
            start_at=start,
            end_at=start + dt.timedelta(minutes=30),
        )
    assert refused.value.messages == [
        "单集《很长的一期》时长 31:00，超过播出时段 30:00。"
    ]
    assert not Airing.objects.filter(channel=channel).exists()


def test_moving_an_airing_does_not_clash_with_itself(programme, channel):
    start = dt.datetime(2026, 3, 7, 19, 30, tzinfo=SCHEDULE_TZ)
    airing = airing_schedule(
        channel=channel,
        programme=programme,
        start_at=start,
        end_at=start + dt.timedelta(minutes=30),
    )
    moved = airing_schedule(
        airing=airing,
        channel=channel,
        programme=programme,
        start_at=start + dt.timedelta(minutes=10),
        end_at=start + dt.timedelta(minutes=40),
    )
    assert moved.pk == airing.pk
    assert moved.start_at == dt.datetime(2026, 3, 7, 11, 40, tzinfo=UTC)


def test_naive_times_are_read_as_beijing_time(programme, channel):
    airing = airing_schedule(
        channel=channel,
        programme=programme,
        start_at=dt.datetime(2026, 3, 7, 8, 0),
        end_at=dt.datetime(2026, 3, 7, 8, 30),
    )
    airing.refresh_from_db()
    assert airing.start_at == dt.datetime(2026, 3, 7, 0, 0, tzinfo=UTC)


def test_a_race_past_the_checks_is_refused_not_500(programme, channel, monkeypatch):
    """Two editors saving the same start at once: the second one's checks ran
    before the first committed, so the database constraint decides."""
    start = dt.datetime(2026, 3, 7, 19, 30, tzinfo=SCHEDULE_TZ)
    airing_schedule(
        channel=channel,
        programme=programme,
        start_at=start,
        end_at=start + dt.timedelta(minutes=30),
    )
    monkeypatch.setattr("cms.schedules.services.airing_refusals", lambda **kw: [])
    with pytest.raises(ValidationError) as refused:
        airing_schedule(
            channel=channel,
            programme=programme,
            start_at=start,
            end_at=start + dt.timedelta(minutes=30),
        )
    assert refused.value.messages == [
        "测试电视台 测试频道 在 2026-03-07 19:30 已有播出。"
    ]
    assert Airing.objects.filter(channel=channel).count() == 1
