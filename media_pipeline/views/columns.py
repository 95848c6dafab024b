"""Columns the media listing and the media chooser share: a thumbnail, the
measured duration, the status. Rows come with their stills prefetched
(``stills.prefetch_stills``), so a page of rows costs no query per row."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

from ..stills import thumbnail_url


def format_clock(seconds: float | None) -> str:
    """A duration as a player shows it: 0:12, 26:30, 1:02:03."""
    if not seconds:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


class ThumbnailColumn(Column):
    cell_template_name = "media_pipeline/admin/thumbnail_cell.html"

    def __init__(self, name="thumbnail", **kwargs):
        kwargs.setdefault("label", _("缩略图"))
        kwargs.setdefault("width", "10%")
        super().__init__(name, **kwargs)

    def get_value(self, instance):
        return thumbnail_url(instance)


class DurationColumn(Column):
    def __init__(self, name="duration", **kwargs):
        kwargs.setdefault("label", _("时长"))
        super().__init__(name, **kwargs)

    def get_value(self, instance):
        return format_clock(instance.duration)


class StatusColumn(Column):
    """The status as a tag, as the listing's progress cell shows it."""

    cell_template_name = "media_pipeline/admin/status_cell.html"

    def __init__(self, name="status", **kwargs):
        kwargs.setdefault("label", _("状态"))
        super().__init__(name, **kwargs)
