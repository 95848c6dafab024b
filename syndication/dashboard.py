"""The ledger's rows in the dashboard's 待办 panel (the
``dashboard_waiting_work`` hook): deliveries that failed QC, and deliveries
whose content changed after it went out to the platform."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail.permissions import policy_registry

from .models import Delivery, DeliveryState
from .workflow import deliveries_out_of_date


def delivery_waiting_work(request) -> list[dict]:
    policy = policy_registry.get_by_type(Delivery)
    if not policy.user_has_permission(request.user, "change"):
        return []
    listing = reverse("syndication_deliveries:index")
    return [
        {
            "label": _("质检未通过的交付"),
            "count": Delivery.objects.filter(state=DeliveryState.QC_FAILED).count(),
            "url": f"{listing}?{urlencode({'state': DeliveryState.QC_FAILED})}",
            "urgent": True,
        },
        {
            "label": _("交付后内容已更新、需重新交付"),
            "count": deliveries_out_of_date().count(),
            "url": f"{listing}?{urlencode({'out_of_date': 'yes'})}",
            "urgent": False,
        },
    ]
