"""Proof of play: an operator's play log, read by the as-run import's reader
(same columns: 频道 — here the screen, 实际开始, 实际结束, 节目名称), matched
by title to the items of the network's playlists in force that day, and
kept as play records. Registered with ``cms.schedules.play_logs``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cms.schedules.asrun import LogLine, log_lines_read, normal_title
from cms.schedules.play_logs import PlayLogOutcome
from cms.schedules.timezones import local

from .models import Playlist, PlaylistItem, PlayRecord, ScreenNetwork


def _network(slug: str) -> ScreenNetwork:
    network = ScreenNetwork.objects.filter(slug=slug).first()
    if network is None:
        known = "、".join(ScreenNetwork.objects.values_list("slug", flat=True))
        raise ValidationError(
            _("没有网址标识为“%(slug)s”的屏幕网络。已有：%(known)s")
            % {"slug": slug, "known": known or _("无")}
        )
    return network


def _item_for(
    line: LogLine, network: ScreenNetwork, cache: dict
) -> PlaylistItem | None:
    day = local(line.start).date()
    if day not in cache:
        playlists = Playlist.objects.filter(network=network).valid_on(day)
        cache[day] = list(
            PlaylistItem.objects.filter(playlist__in=playlists).select_related(
                "media_asset", "brand_variant__version__asset", "image"
            )
        )
    title = normal_title(line.title)
    if not title:
        return None
    for item in cache[day]:
        name = normal_title(item.title)
        if name and (name == title or name in title or title in name):
            return item
    return None


@transaction.atomic
def play_log_import(
    *, network: str, file_name: str, content: bytes, user=None
) -> PlayLogOutcome:
    """Record the plays of a network's log. A bad file is refused as a whole
    with ``ValidationError``; a line already imported is not counted twice."""
    screen_network = _network(network)
    screens = set(screen_network.screens.values_list("name", flat=True))

    def not_ours(value: str) -> str | None:
        if (
            not value
            or value in screens
            or value
            in (
                screen_network.name,
                screen_network.slug,
            )
        ):
            return None
        return _("屏幕“%(value)s”不属于%(network)s。") % {
            "value": value,
            "network": screen_network,
        }

    lines = log_lines_read(content=content, file_name=file_name, refuse=not_ours)
    cache: dict = {}
    matched, new, unmatched = 0, 0, []
    for line in lines:
        item = _item_for(line, screen_network, cache)
        _record, created = PlayRecord.objects.get_or_create(
            network=screen_network,
            screen_name=line.channel[:100],
            started_at=line.start,
            title=line.title[:255],
            defaults={
                "log_name": file_name[:255],
                "line_number": line.number,
                "ended_at": line.end,
                "item": item,
            },
        )
        new += created
        if item is not None:
            matched += 1
        else:
            unmatched.append(
                _("未匹配：第 %(n)s 行 %(title)s")
                % {"n": line.number, "title": line.title}
            )
    first = min(local(line.start).date() for line in lines)
    last = max(local(line.start).date() for line in lines)
    summary = _(
        "%(network)s %(first)s 至 %(last)s：播放 %(plays)s 次（新记录 %(new)s），"
        "对应播放条目 %(matched)s 次，未匹配 %(unmatched)s 行。"
    ) % {
        "network": screen_network,
        "first": first,
        "last": last,
        "plays": len(lines),
        "new": new,
        "matched": matched,
        "unmatched": len(unmatched),
    }
    return PlayLogOutcome(summary=summary, details=unmatched)
