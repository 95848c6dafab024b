"""The dashboard's 待办 panel: what the signed-in person must act on.

Each app knows its own work, so the panel asks them through the
``dashboard_waiting_work`` hook instead of importing them (the media library
sits below this app, syndication above it). A hook function takes the request
and returns a list of items, each a dict with:

- ``label``: what the count is of, in words a person understands;
- ``count``: how many;
- ``url``: the admin listing that shows exactly those;
- ``urgent``: True when a non-zero count means something went wrong.

It returns an empty list when the person has no part in that work, so each
role sees only its own rows.
"""

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.models import GroupApprovalTask, TaskState

WAITING_WORK_HOOK = "dashboard_waiting_work"


class WaitingWorkPanel(Component):
    name = "todo"
    template_name = "wagtailadmin/home/todo_panel.html"
    # Above Wagtail's own panels (the first of them is ordered 100).
    order = 50

    class Media:
        css = {"all": ["core/todo_panel.css"]}

    def get_context_data(self, parent_context: Mapping[str, Any]) -> Mapping[str, Any]:
        request = parent_context["request"]
        providers = hooks.get_hooks(WAITING_WORK_HOOK)
        items = [item for provider in providers for item in provider(request)]
        return {"items": items, "nothing_to_do": not any(i["count"] for i in items)}

    def render_html(self, parent_context: Mapping[str, Any] = None) -> str:
        # A person with no part in any of this work sees no empty panel.
        if not self.get_context_data(parent_context)["items"]:
            return ""
        return super().render_html(parent_context)


def review_items(request) -> list[dict]:
    """Workflow tasks waiting for this person's decision (科学审核, 编辑终审)."""
    if not _may_review(request.user):
        return []
    return [
        {
            "label": _("等待我审核的页面"),
            "count": TaskState.objects.reviewable_by(request.user).count(),
            # The review shortcuts panel below lists them (cms.core.review).
            "url": reverse("wagtailadmin_home") + "#review-shortcuts-section",
            "urgent": False,
        }
    ]


def _may_review(user) -> bool:
    """Whether ``user`` takes part in a review task, waiting work or not."""
    if user.is_superuser:
        return True
    return GroupApprovalTask.objects.filter(
        active=True, groups__in=user.groups.all()
    ).exists()
