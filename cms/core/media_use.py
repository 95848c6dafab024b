"""Media made public by pages: the site's part of the media library's
access rule (``media_pipeline.access``).

An asset is public while a live page that anyone may view uses it: a draft,
a scheduled or an expired page does not count, and neither does a page
under a view restriction (password, sign-in or groups) of its own or of an
ancestor. So a page's media becomes public with the page and stops being
public with it.
"""

from __future__ import annotations

from functools import cache

from django.db.models import ForeignKey, Q
from wagtail.models import Page, get_page_models

from media_pipeline.models import MediaAsset


@cache
def media_lookups() -> tuple[str, ...]:
    """``episodepage__media_asset`` and the like: every field of every page
    type that points at a media asset, as a lookup from ``Page``."""
    lookups = []
    for model in get_page_models():
        if model._meta.abstract or model is Page:
            continue
        for field in model._meta.concrete_fields:
            if (
                isinstance(field, ForeignKey)
                and field.related_model is MediaAsset
                and field.model is model  # declared here, not inherited
            ):
                lookups.append(f"{model._meta.model_name}__{field.name}")
    return tuple(sorted(lookups))


def assets_used_by_public_pages(asset_ids: list[int]) -> set[int]:
    """Those of ``asset_ids`` a live, publicly viewable page uses."""
    found: set[int] = set()
    pages = Page.objects.live().public()
    for lookup in media_lookups():
        found.update(
            pages.filter(Q(**{f"{lookup}__in": asset_ids})).values_list(
                lookup, flat=True
            )
        )
    return found
