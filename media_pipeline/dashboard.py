"""The media library's rows in the dashboard's 待办 panel (the
``dashboard_waiting_work`` hook): media whose transcoding failed, and media
being transcoded now, among what this person may fix."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .models import AssetStatus
from .permissions import permission_policy


def media_waiting_work(request) -> list[dict]:
    user = request.user
    if not permission_policy.user_has_any_permission(user, ["add", "change"]):
        return []
    assets = permission_policy.instances_user_has_any_permission_for(user, ["change"])
    listing = reverse("media:index")
    return [
        {
            "label": label,
            "count": assets.filter(status=status).count(),
            "url": f"{listing}?{urlencode({'status': status})}",
            "urgent": urgent,
        }
        for status, label, urgent in (
            (AssetStatus.FAILED, _("转码失败的媒体"), True),
            (AssetStatus.PROCESSING, _("正在转码的媒体"), False),
        )
    ]
