"""The schedule's rows in the dashboard's 待办 panel (the
``dashboard_waiting_work`` hook): airings an as-run log showed did not go out,
and log lines that matched no airing and nobody has resolved yet."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail.permissions import policy_registry

from .models import Airing, AiringStatus, AsRunLine
from .timezones import day_bounds, local

#: How far back a missing airing still asks for attention.
MISSING_LOOKBACK_DAYS = 28


def schedule_waiting_work(request) -> list[dict]:
    if not policy_registry.get_by_type(Airing).user_has_permission(
        request.user, "change"
    ):
        return []
    today = local(timezone.now()).date()
    first = today - dt.timedelta(days=MISSING_LOOKBACK_DAYS)
    missing = Airing.objects.between(*day_bounds(first, today)).filter(
        status=AiringStatus.MISSING
    )
    query = urlencode(
        {
            "status": AiringStatus.MISSING,
            "first_day": f"{first:%Y-%m-%d}",
            "last_day": f"{today:%Y-%m-%d}",
        }
    )
    return [
        {
            "label": _("近四周未播出的节目"),
            "count": missing.count(),
            "url": f"{reverse('schedules_airings:index')}?{query}",
            "urgent": True,
        },
        {
            "label": _("播出记录中未匹配、待处理的行"),
            "count": AsRunLine.objects.filter(
                airing__isnull=True, resolved=False
            ).count(),
            "url": reverse("schedules_asrun:unmatched"),
            "urgent": False,
        },
    ]
