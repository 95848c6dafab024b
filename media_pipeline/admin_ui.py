"""Yes and no in the admin, as an editor reads them.

Wagtail shows a boolean field as Python spells it ("True", "False") in
listings built from field names and in inspect views. Every app's admin uses
these; they live here, in the lowest layer, so that each may.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.fields import register_display_class
from wagtail.admin.ui.tables import BooleanColumn


def yes_no(value) -> str:
    """是, 否, or a dash when unknown."""
    if value is None:
        return "—"
    return str(_("是") if value else _("否"))


class YesNoColumn(BooleanColumn):
    """A tick or a cross, named 是 or 否 for screen readers."""

    cell_template_name = "media_pipeline/admin/yes_no_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["label"] = yes_no(context["value"])
        return context


class YesNoDisplay(Component):
    """An inspect view's boolean field as 是 or 否."""

    def __init__(self, value):
        self.value = value

    def render_html(self, parent_context=None):
        return yes_no(self.value)


def register_yes_no_display() -> None:
    """Every inspect view shows booleans as 是 and 否 (called once, from
    MediaPipelineConfig.ready())."""
    register_display_class(models.BooleanField, display_class=YesNoDisplay)
