"""Writes to the schedule: scheduling airings and generating them from slot
rules. Every write checks the same two rules, so the admin form, the
generator and the demo refuse the same things with the same reasons."""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from cms.broadcasters.models import Channel
from cms.programmes.models import EpisodePage, ProgramPage

from .models import Airing, AiringKind, AiringStatus, ScheduleChannel, SlotRule
from .timezones import SCHEDULE_TZ, format_duration, local, local_datetime


def _aware(value: dt.datetime) -> dt.datetime:
    """Naive times typed by a person are Beijing time."""
    if timezone.is_naive(value):
        return value.replace(tzinfo=SCHEDULE_TZ)
    return value


def airing_refusals(
    *,
    channel: Channel,
    programme: ProgramPage,
    start_at: dt.datetime,
    end_at: dt.datetime,
    episode: EpisodePage | None = None,
    exclude: Airing | None = None,
) -> list[str]:
    """Why an airing could not be scheduled, in Chinese; empty when it can."""
    reasons = []
    if end_at <= start_at:
        reasons.append(_("结束时间必须晚于开始时间。"))
        return reasons
    clashes = Airing.objects.overlapping(
        channel=channel, start_at=start_at, end_at=end_at
    ).select_related("programme", "episode")
    if exclude is not None and exclude.pk:
        clashes = clashes.exclude(pk=exclude.pk)
    for other in clashes[:5]:
        reasons.append(overlap_reason(channel=channel, other=other))
    if episode is not None:
        if episode.get_parent().pk != programme.pk:
            reasons.append(
                _("单集《%(episode)s》不属于节目《%(programme)s》。")
                % {"episode": episode.title, "programme": programme.title}
            )
        overlong = overlong_reason(episode=episode, slot=end_at - start_at)
        if overlong:
            reasons.append(overlong)
    return reasons


def overlap_reason(*, channel: Channel, other: Airing) -> str:
    """Why a time on ``channel`` clashes with ``other``, in Chinese."""
    return _("与%(channel)s %(start)s–%(end)s 播出的《%(title)s》时间重叠。") % {
        "channel": channel,
        "start": f"{local(other.start_at):%Y-%m-%d %H:%M}",
        "end": f"{local(other.end_at):%H:%M}",
        "title": other.title,
    }


def overlong_reason(*, episode: EpisodePage, slot: dt.timedelta) -> str:
    """Why ``episode`` does not fit a slot of length ``slot``; empty if it does."""
    if not episode.duration or episode.duration <= slot:
        return ""
    return _("单集《%(episode)s》时长 %(length)s，超过播出时段 %(slot)s。") % {
        "episode": episode.title,
        "length": format_duration(episode.duration),
        "slot": format_duration(slot),
    }


@transaction.atomic
def airing_schedule(
    *,
    channel: Channel,
    programme: ProgramPage,
    start_at: dt.datetime,
    end_at: dt.datetime,
    kind: str = AiringKind.FIRST_RUN,
    episode: EpisodePage | None = None,
    house_number: str = "",
    slot_rule: SlotRule | None = None,
    airing: Airing | None = None,
) -> Airing:
    """Schedule a new airing, or move and change ``airing`` (which may also
    be a new, unsaved instance, as a model form holds).

    Raises ``ValidationError`` with the reasons in Chinese when it overlaps
    another airing on the channel or the episode is longer than the slot.
    """
    start_at, end_at = _aware(start_at), _aware(end_at)
    # Lock the channel so two editors cannot both fit an airing in one gap.
    Channel.objects.select_for_update().filter(pk=channel.pk).first()
    reasons = airing_refusals(
        channel=channel,
        programme=programme,
        start_at=start_at,
        end_at=end_at,
        episode=episode,
        exclude=airing,
    )
    if reasons:
        raise ValidationError(reasons)
    airing = airing or Airing()
    airing.channel = channel
    airing.programme = programme
    airing.episode = episode
    airing.start_at = start_at
    airing.end_at = end_at
    airing.kind = kind
    airing.house_number = house_number
    if slot_rule is not None:
        airing.slot_rule = slot_rule
    try:
        with transaction.atomic():
            airing.save()
    except IntegrityError as error:
        # Only a race gets here (the checks above saw no clash); a database
        # without row locks, such as SQLite, lets the constraint decide.
        raise ValidationError(
            _("%(channel)s 在 %(start)s 已有播出。")
            % {"channel": channel, "start": f"{local(start_at):%Y-%m-%d %H:%M}"}
        ) from error
    return airing


def airing_move(*, airing: Airing, start_at: dt.datetime) -> Airing:
    """Move ``airing`` to start at ``start_at``, keeping its length and all
    else; refused, as any write, when it would overlap or no longer fit.

    An airing an as-run log has already settled is history, not a plan: it
    is not moved, so the proof of broadcast stays true.
    """
    if airing.status != AiringStatus.SCHEDULED:
        raise ValidationError(
            _("这次播出已核对播出记录（%(status)s），不能再移动。")
            % {"status": airing.get_status_display()}
        )
    start_at = _aware(start_at)
    return airing_schedule(
        airing=airing,
        channel=airing.channel,
        programme=airing.programme,
        episode=airing.episode,
        start_at=start_at,
        end_at=start_at + airing.duration,
        kind=airing.kind,
        house_number=airing.house_number,
    )


@dataclass
class GeneratedAirings:
    created: list[Airing] = field(default_factory=list)
    #: Days that already had this rule's airing: generating twice adds nothing.
    existing: list[dt.date] = field(default_factory=list)
    #: (local day, reasons) for the days the schedule refused.
    refused: list[tuple[dt.date, list[str]]] = field(default_factory=list)


def slot_days(rule: SlotRule, first_day: dt.date, last_day: dt.date) -> Iterator:
    """The local days from ``first_day`` to ``last_day`` (both included) on
    which ``rule`` puts an airing."""
    day = first_day
    while day <= last_day:
        if rule.applies_on(day):
            yield day
        day += dt.timedelta(days=1)


def slot_airings_generate(
    *,
    rule: SlotRule,
    first_day: dt.date,
    last_day: dt.date,
    episodes: Iterable[EpisodePage] = (),
) -> GeneratedAirings:
    """Create the airings ``rule`` puts on the local days ``first_day`` to
    ``last_day``, both included. ``episodes``, if given, are scheduled into
    them in order (a refused day keeps its episode for the next airing). A
    day whose airing would be refused is reported, not raised, so one clash
    does not stop a season being generated."""
    result = GeneratedAirings()
    episode_iter = iter(episodes)
    # Held until an airing takes it, so a refused day does not skip one.
    episode = next(episode_iter, None)
    for day in slot_days(rule, first_day, last_day):
        start_at = local_datetime(day, rule.local_time).astimezone(dt.UTC)
        if Airing.objects.filter(channel=rule.channel, start_at=start_at).exists():
            result.existing.append(day)
            continue
        try:
            airing = airing_schedule(
                channel=rule.channel,
                programme=rule.programme,
                start_at=start_at,
                end_at=start_at + rule.duration,
                kind=rule.kind,
                episode=episode,
                slot_rule=rule,
            )
        except ValidationError as error:
            result.refused.append((day, error.messages))
        else:
            result.created.append(airing)
            if episode is not None:
                episode = next(episode_iter, None)
    return result


def schedule_channel_for(*, channel: Channel) -> ScheduleChannel:
    """The channel's schedule identity, made with a pinyin slug the first
    time it is needed (新闻综合频道 → xinwen-zonghe-pindao)."""
    existing = ScheduleChannel.objects.filter(channel=channel).first()
    if existing:
        return existing
    base = slugify(" ".join(lazy_pinyin(channel.name)))[:70] or "channel"
    slug, n = base, 2
    while ScheduleChannel.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return ScheduleChannel.objects.create(channel=channel, slug=slug)
