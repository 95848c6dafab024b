"""Posting Wagtail admin page forms the way the editor's browser does."""

from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from cms.core.models import DownloadChoice


def episode_form_data(**fields) -> dict:
    data = {
        "title": "测试单集",
        "slug": "test-episode",
        "episode_number": 99,
        "summary": "",
        "transcript": rich_text(""),
        "topics": "",
        # A select the browser always sends.
        "allow_download": DownloadChoice.FOLLOW_RIGHTS,
        "participants": inline_formset([]),
        "comments": inline_formset([]),
    }
    data.update(fields)
    return nested_form_data(data)


def add_page_url(model, parent) -> str:
    return reverse(
        "wagtailadmin_pages:add",
        args=(model._meta.app_label, model._meta.model_name, parent.pk),
    )
