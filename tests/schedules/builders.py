"""A channel of its own and a programme with episodes, for schedule tests.

The demo (loaded for the whole session) schedules its own channels; tests
build a fresh broadcaster so what they count is only what they made.
"""

import datetime as dt

from cms.broadcasters.models import Broadcaster, Channel, Medium
from cms.programmes.models import EpisodePage, ProgramIndexPage, ProgramPage
from cms.schedules.services import schedule_channel_for


def make_channel(name="测试频道", broadcaster="测试电视台") -> Channel:
    station, _ = Broadcaster.objects.get_or_create(name=broadcaster)
    channel = Channel.objects.create(broadcaster=station, name=name, medium=Medium.TV)
    schedule_channel_for(channel=channel)
    return channel


def make_programme(title="测试节目", slug="test-programme", *, live=True):
    index = ProgramIndexPage.objects.first()
    programme = ProgramPage(title=title, slug=slug, live=live)
    index.add_child(instance=programme)
    if live:
        programme.save_revision().publish()
    return programme


def make_episode(programme, number, *, title=None, minutes=26, live=True):
    episode = EpisodePage(
        title=title or f"第{number}期",
        slug=f"{programme.slug}-ep-{number}",
        episode_number=number,
        duration=dt.timedelta(minutes=minutes),
        live=live,
    )
    programme.add_child(instance=episode)
    if live:
        episode.save_revision().publish()
    return episode
