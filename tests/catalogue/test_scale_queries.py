"""The scale proof's query half: the seven pages an editor, a syndication
manager, a partner and the public open most do not make more queries when the
catalogue grows (the bench, ``bench/scale_bench.py``, times them at 100 and
3,400 items).

A small catalogue is generated and each page's queries counted, then a larger
one is added beside it and the same pages counted again: the counts must be
equal. The catalogue is ``bench.catalogue_scale``'s, so the test and the bench
measure the same pages.
"""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from bench.catalogue_scale import Catalogue, generate
from syndication.page_cache import PROCESS_PAGES

SMALL, LARGE = 10, 60

# The marker also tells pytest-django that this module needs the database.
pytestmark = pytest.mark.django_db


def pages(catalogue: Catalogue) -> dict[str, str]:
    """The seven pages of the scale proof, for ``catalogue``'s own sections."""
    return {
        "admin explorer": f"/admin/pages/{catalogue.programme_id}/",
        "media library": "/admin/media/",
        "delivery ledger": "/admin/syndication/deliveries/",
        "partner items": "/api/partner/v1/items?limit=50",
        "public programme": Page.objects.get(pk=catalogue.programme_id).url,
        "admin search": "/admin/pages/search/?q=草方格",
        "public search": "/search/?q=草方格",
    }


def count(admin: Client, catalogue: Catalogue) -> dict[str, int]:
    counts = {}
    for name, url in pages(catalogue).items():
        # Kept pages and rate-limit counters would hide the queries.
        caches["default"].clear()
        PROCESS_PAGES.clear()
        extra = {}
        client = admin
        if name == "partner items":
            client = Client()
            extra["HTTP_AUTHORIZATION"] = f"Bearer {catalogue.partner_key}"
        elif name in ("public programme", "public search"):
            client = Client()
        client.get(url, **extra)  # warm: first-request caches (site root, …)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, **extra)
        assert response.status_code == 200, (name, url, response.status_code)
        counts[name] = len(queries)
        if name.endswith("search"):  # counted over generated results, not none
            assert "百嘎丽科普短视频 第" in response.content.decode()
    return counts


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    """Query counts at the small and the larger catalogue (built once: the
    larger one takes a few seconds), rolled back afterwards."""
    from django.db import transaction

    from tests.conftest import make_user

    with django_db_blocker.unblock(), transaction.atomic():
        admin = Client()
        admin.force_login(make_user("scale-admin", superuser=True))
        small = generate(SMALL)
        at_small = count(admin, small)
        large = generate(LARGE)
        at_large = count(admin, large)
        transaction.set_rollback(True)
    return at_small, at_large


@pytest.mark.parametrize(
    "name",
    [
        "admin explorer",
        "media library",
        "delivery ledger",
        "partner items",
        "public programme",
        "admin search",
        "public search",
    ],
)
def test_queries_do_not_grow_with_the_catalogue(measured, name):
    at_small, at_large = measured
    assert at_small[name] > 0
    assert at_large[name] == at_small[name], (
        f"{name}: {at_small[name]} queries at {SMALL} items, "
        f"{at_large[name]} at {LARGE + SMALL}"
    )
