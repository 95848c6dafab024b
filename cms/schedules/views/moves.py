"""Moving an airing by dragging it in the calendar: a JSON endpoint.

Every answer is JSON with a Chinese ``message`` the calendar shows beside
itself, and ``ok``. A move the schedule refuses (an overlap, an episode
longer than the slot) is answered 200 with ``ok`` false and the airing left
as it was, as Django answers a form that does not validate: it is the
editor's everyday answer, not a failed request (a 4xx would also be logged
as an error in the browser's console and the server's log). What the
calendar never sends is refused with a status: 400 a start that is no time,
403 not allowed to change this airing, 404 no such airing.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import View
from wagtail.permissions import policy_registry

from ..models import Airing
from ..services import airing_move
from ..timezones import local


def _refusal(status: int, *messages: str) -> JsonResponse:
    return JsonResponse(
        {"ok": False, "message": "".join(messages), "reasons": list(messages)},
        status=status,
    )


def _requested_start(value: str) -> dt.datetime | None:
    """A Beijing time such as 2026-05-02T19:30; None when it is not one."""
    try:
        start = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    # The move keeps the length; the day after must still be a date.
    if not dt.date(1900, 1, 1) <= start.date() <= dt.date(9000, 12, 31):
        return None
    return start


class AiringMoveView(View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        airing = (
            Airing.objects.select_related(
                "channel__broadcaster", "programme", "episode"
            )
            .filter(pk=pk)
            .first()
        )
        if airing is None:
            return _refusal(404, _("这次播出已不存在，请刷新日历。"))
        policy = policy_registry.get_by_type(Airing)
        if not policy.user_has_permission_for_instance(request.user, "change", airing):
            return _refusal(403, _("你没有移动这次播出的权限。"))
        start = _requested_start(request.POST.get("start", ""))
        if start is None:
            return _refusal(400, _("请给出新的开始时间，例如 2026-05-02T19:30。"))
        try:
            airing = airing_move(airing=airing, start_at=start)
        except ValidationError as error:
            return _refusal(200, *error.messages)
        start, end = local(airing.start_at), local(airing.end_at)
        return JsonResponse(
            {
                "ok": True,
                "message": _("已将《%(title)s》移到 %(start)s–%(end)s。")
                % {
                    "title": airing.title,
                    "start": f"{start:%Y-%m-%d %H:%M}",
                    "end": f"{end:%H:%M}",
                },
                "start": start.isoformat(),
                "end": end.isoformat(),
            }
        )
