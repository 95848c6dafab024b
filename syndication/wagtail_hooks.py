"""The 分发 menu: the delivery ledger, the adoption report, platforms and
their delivery profiles, partner accounts and what they fetched."""

from django.urls import reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.widgets import Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy

from cms.core.deliverables import kind_for_model

# Answers the catalogue import's hook for historical adoptions.
from . import catalogue_adoptions  # noqa: F401
from .dashboard import delivery_waiting_work
from .models import Delivery, DeliveryProfile, PartnerAccount, Platform


class KeepHistoryPermissionPolicy(ModelPermissionPolicy):
    """Nobody deletes from the ledger or the records it points at, superusers
    included: deliveries keep their history, platforms and partners are
    switched off instead."""

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


# Registered before any view asks for these models' policies.
for _model in (Delivery, DeliveryProfile, PartnerAccount, Platform):
    if policy_registry.get_by_type(_model, fallback=False) is None:
        register_permission_policy(_model, KeepHistoryPermissionPolicy(_model))

from .views.deliveries import DeliveryViewSet  # noqa: E402
from .views.platforms import (  # noqa: E402
    DeliveryProfileViewSet,
    FetchRecordViewSet,
    PartnerAccountViewSet,
    PlatformViewSet,
)
from .views.reports import ReportViewSet  # noqa: E402


class SyndicationViewSetGroup(ViewSetGroup):
    menu_label = gettext_lazy("分发")
    menu_icon = "resubmit"
    menu_order = 260
    items = (
        DeliveryViewSet,
        ReportViewSet,
        PlatformViewSet,
        DeliveryProfileViewSet,
        PartnerAccountViewSet,
        FetchRecordViewSet,
    )


@hooks.register("register_admin_viewset")
def register_syndication():
    return SyndicationViewSetGroup()


@hooks.register("register_page_header_buttons")
def deliver_page_button(page, user, view_name, next_url=None):
    """ "交付到平台" on the pages that can be delivered."""
    if kind_for_model(page.specific_class) is None:
        return
    if not policy_registry.get_by_type(Delivery).user_has_permission(user, "add"):
        return
    yield Button(
        gettext_lazy("交付到平台"),
        url=reverse("syndication_deliveries:add") + f"?page={page.pk}",
        icon_name="resubmit",
        priority=80,
    )


hooks.register("dashboard_waiting_work", delivery_waiting_work)
