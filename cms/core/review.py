"""The reviewer's way in: each page waiting on them, one click from its draft
and from the comparison with the live page.

Wagtail's own "等待你的审查" panel carries the approve and reject buttons but
keeps 预览 and "与发布版本进行比较" in a drop-down menu per row; a 科学审核
reviewer's first two steps are reading the draft and seeing what changed, so
this panel puts both in front of them, next to the editor where they approve.
It reads the same task states as Wagtail's panel (whose query it reuses).
"""

from wagtail.admin.views.home import WorkflowObjectsToModeratePanel
from wagtail.models import Page


class ReviewShortcutsPanel(WorkflowObjectsToModeratePanel):
    name = "review_shortcuts"
    template_name = "core/review_shortcuts_panel.html"
    # Above Wagtail's panel (220), where the approve buttons are.
    order = 210

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        # Pages only: snippets under a workflow are not reviewed here.
        context["states"] = [
            state for state in context["states"] if isinstance(state["obj"], Page)
        ]
        return context
