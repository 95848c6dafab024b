"""Items of the partner API written ahead of the request (``PartnerItem``).

Building an item reads its page, credits, topics and parent and serialises
the result: most of what a page of the listing costs when nothing is kept
in memory (after a deploy, in a new worker process, once the in-process
items have expired). So each visible delivery's item is also written to the
database, in the site's language, in the background after whatever changes
it, and the listing reads it with the delivery rows, in the same query.

A stored item is used only while it still holds, checked in that query:
made from the delivery as last saved (``updated_at``), from the page as
last published, and in the current item format (a hash of the item's
OpenAPI schema, so a new field invalidates every stored item at deploy).
Otherwise the item is built as before, and the stored one is written again
by the task its change queued. What the check cannot see, and a task is
queued for instead: a parent programme or series retitled (its
descendants), a person or topic renamed (the items crediting or tagged with
them), a site's address changed (everything). Until that task has run,
such an item may read as before, as it did for the lifetime of the
in-process items before. A daily task writes every item again, for
anything else (a ``QuerySet.update()``, a settings change).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from functools import cache

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, TextField, When
from django.utils import timezone, translation

from cms.core.deliverables import deliverable_kinds

from .conf import syndication_settings
from .items import delivery_rows, item_json, item_metadata, load_pages
from .models import VISIBLE_TO_PARTNER, Delivery, PartnerItem

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


@cache
def item_format() -> str:
    """Changes whenever the item's fields do: a hash of its OpenAPI schema."""
    from .schemas import ItemOut

    schema = json.dumps(ItemOut.model_json_schema(), sort_keys=True)
    return hashlib.sha1(schema.encode(), usedforsecurity=False).hexdigest()[:16]


def stored_items_usable() -> bool:
    """Whether this request may read stored items: they are in the site's
    language, and ``PARTNER_API_STORED_ITEMS`` (default True) can switch
    reading them off without a deploy of code."""
    return (
        syndication_settings.PARTNER_API_STORED_ITEMS
        and translation.get_language() == settings.LANGUAGE_CODE
    )


def stored_body() -> Case:
    """For a delivery query: the stored item's JSON while it still holds
    (see the module doc), else NULL."""
    return Case(
        When(
            Q(partner_item__delivery_updated_at=F("updated_at"))
            & Q(partner_item__page_published_at=F("page__last_published_at"))
            & Q(partner_item__item_format=item_format()),
            then=F("partner_item__body"),
        ),
        default=None,
        output_field=TextField(),
    )


def partner_items_store(*, delivery_ids: Iterable[int] | None = None) -> int:
    """Write the item of each visible delivery (of ``delivery_ids``, or all)
    as it reads now; how many were written."""
    visible = Delivery.objects.filter(state__in=VISIBLE_TO_PARTNER)
    if delivery_ids is not None:
        visible = visible.filter(pk__in=list(delivery_ids))
    ids = list(visible.order_by("pk").values_list("pk", flat=True))
    written = 0
    with translation.override(settings.LANGUAGE_CODE):
        for start in range(0, len(ids), BATCH_SIZE):
            batch = ids[start : start + BATCH_SIZE]
            rows = delivery_rows(Delivery.objects.filter(pk__in=batch).order_by())
            written += _store(rows)
    return written


def _store(rows: list[dict]) -> int:
    loaded = load_pages(rows)
    now = timezone.now()
    stored = []
    for row in rows:
        item = item_metadata(row, loaded)
        if item is None:
            continue
        stored.append(
            PartnerItem(
                delivery_id=row["id"],
                delivery_updated_at=row["updated_at"],
                page_published_at=row["page__last_published_at"],
                item_format=item_format(),
                body=item_json(item).decode(),
                made_at=now,
            )
        )
    PartnerItem.objects.bulk_create(
        stored,
        update_conflicts=True,
        unique_fields=["delivery"],
        update_fields=[
            "delivery_updated_at",
            "page_published_at",
            "item_format",
            "body",
            "made_at",
        ],
    )
    return len(stored)


# --- What to write again, and when -------------------------------------------


def partner_items_refresh_request(*, deliveries=None) -> None:
    """Write the stored items of ``deliveries`` (a queryset; all when None)
    again in the background, once the current transaction commits."""

    def queue():
        from .tasks import store_partner_items

        ids = None
        if deliveries is not None:
            ids = list(
                deliveries.filter(state__in=VISIBLE_TO_PARTNER).values_list(
                    "pk", flat=True
                )
            )
            if not ids:
                return
        store_partner_items.apply_async(args=(ids,), queue="default")

    # Robust: a broker that is away must not fail the save that asked; the
    # listing builds what is not stored, and the daily task catches up.
    transaction.on_commit(queue, robust=True)


def deliveries_under(page):
    """Deliveries of ``page`` and of the pages below it (a programme's
    episodes: their items name its title)."""
    return Delivery.objects.filter(page__path__startswith=page.path)


def deliveries_crediting(person):
    page_ids = set()
    for kind in deliverable_kinds():
        page_ids.update(
            kind.credit_model.objects.filter(person=person).values_list(
                f"{kind.credit_page_field}_id", flat=True
            )
        )
    return Delivery.objects.filter(page_id__in=page_ids)


def deliveries_tagged(tag):
    page_ids = set()
    for kind in deliverable_kinds():
        if kind.topic_model is not None:
            page_ids.update(
                kind.topic_model.objects.filter(tag=tag).values_list(
                    "content_object_id", flat=True
                )
            )
    return Delivery.objects.filter(page_id__in=page_ids)
