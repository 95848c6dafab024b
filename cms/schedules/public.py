"""What the public sees of the schedule: the coming airings of live, publicly
viewable programmes and episodes (``AiringQuerySet.public``), by channel or
by programme."""

import datetime as dt

from django.utils import timezone

from .models import Airing

#: How far ahead the public pages, XMLTV and the calendar feed look.
COMING_DAYS = 14
CALENDAR_DAYS = 60


def coming_airings(*, days: int = COMING_DAYS, now: dt.datetime | None = None):
    """Public airings still on air or starting within ``days``."""
    now = now or timezone.now()
    return (
        Airing.objects.public()
        .filter(end_at__gt=now, start_at__lt=now + dt.timedelta(days=days))
        .select_related("channel__broadcaster", "programme", "episode")
        .order_by("start_at")
    )
