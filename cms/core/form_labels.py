"""What a page type's edit form calls its fields and sections, read from its
panels, so messages that send an editor to a field (syndication QC) name it
as the form does and cannot drift from it.

``form_label(EpisodePage, "participants")`` → 嘉宾与专家 (the inline panel's
heading); ``form_label(EpisodePage, "cover")`` → 封面 (the field's label);
``section_label(EpisodePage, "rights_holder")`` → 出品与版权 (the heading of
the group the field is in).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, Panel


def _walk(panel: Panel, section: str | None) -> Iterator[tuple[Panel, str | None]]:
    yield panel, section
    if isinstance(panel, MultiFieldPanel) and panel.heading:
        section = str(panel.heading)
    for child in getattr(panel, "children", ()):
        yield from _walk(child, section)


@cache
def _labels(model) -> dict[str, tuple[str, str | None]]:
    """name → (label, heading of its group) for every field and inline panel."""
    found: dict[str, tuple[str, str | None]] = {}
    for panel, section in _walk(model.get_edit_handler(), None):
        if isinstance(panel, InlinePanel):
            label = panel.heading or panel.label
            found[panel.relation_name] = (str(label), section)
        elif isinstance(panel, FieldPanel):
            label = panel.heading or _verbose_name(model, panel.field_name)
            found[panel.field_name] = (str(label), section)
    return found


def _verbose_name(model, name: str) -> str:
    try:
        return capfirst(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def form_label(model, name: str) -> str:
    """The label of the field or inline panel ``name`` in the edit form; the
    model field's verbose name if no panel shows it."""
    found = _labels(model).get(name)
    return found[0] if found else _verbose_name(model, name)


def section_label(model, name: str) -> str | None:
    """The heading of the panel group ``name`` is shown in, if any."""
    found = _labels(model).get(name)
    return found[1] if found else None
