"""The partner API's stored items: a listing read from them is the listing
built from the pages, they are set aside the moment they no longer hold, and
every change that they cannot see queues them to be written again."""

from __future__ import annotations

import io
import json
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag
from wagtail.models import Site

from syndication import items as items_module
from syndication.items import ITEM_JSON_CACHE
from syndication.models import DeliveryState, PartnerItem
from syndication.stored_items import partner_items_store
from syndication.tasks import store_partner_items

from .conftest import deliver, move, new_short_video

pytestmark = pytest.mark.django_db

MARKER = '{"id":0,"title":"stale"}'


@pytest.fixture(autouse=True)
def _pages_made_every_time(settings):
    # Every request makes its page from the database: no kept pages, no
    # items kept in this process.
    settings.PARTNER_API_PAGE_CACHE_SECONDS = 0
    ITEM_JSON_CACHE.clear()
    yield
    ITEM_JSON_CACHE.clear()


def listing(partner, limit: int = 50) -> bytes:
    ITEM_JSON_CACHE.clear()
    response = partner.get(f"/items?limit={limit}")
    assert response.status_code == 200, response.content
    return response.content


def titles(partner) -> dict[int, str]:
    return {item["id"]: item["title"] for item in json.loads(listing(partner))["items"]}


def test_a_listing_read_from_stored_items_is_the_listing_built(deliveries, partner_a):
    built = listing(partner_a)

    assert partner_items_store() == PartnerItem.objects.count() > 0
    with mock.patch.object(
        items_module, "load_pages", wraps=items_module.load_pages
    ) as load_pages:
        stored = listing(partner_a)

    assert stored == built
    load_pages.assert_not_called()  # nothing was built


def test_queries_do_not_grow_with_the_page_size_when_stored(
    platforms, deliveries, partner_a
):
    for number in range(12):
        deliver(new_short_video(f"批量短视频 {number}"), platforms["a"])
    partner_items_store()
    partner_a.get("/items?limit=1")  # the key's last use

    def queries_for(limit: int) -> int:
        ITEM_JSON_CACHE.clear()
        with CaptureQueriesContext(connection) as queries:
            assert partner_a.get(f"/items?limit={limit}").status_code == 200
        return len(queries)

    assert queries_for(2) == queries_for(20)


def test_a_stored_item_is_set_aside_once_its_delivery_or_page_changed(
    deliveries, partner_a
):
    partner_items_store()
    PartnerItem.objects.update(body=MARKER)  # what was stored, recognisably
    assert b"stale" in listing(partner_a)

    first, second = deliveries["a"][:2]
    move(first, DeliveryState.RECEIVED)  # a new updated_at
    page = second.page.specific
    page.title = "改过的标题"
    page.save_revision().publish()  # a new last_published_at

    body = listing(partner_a)
    found = {item["id"]: item for item in json.loads(body)["items"]}
    assert found[first.pk]["state"] == "received"
    assert found[second.pk]["title"] == "改过的标题"
    # The others still read their stored item.
    assert body.count(b"stale") == len(deliveries["a"]) - 2


def test_stored_items_of_another_item_format_are_set_aside(deliveries, partner_a):
    partner_items_store()
    PartnerItem.objects.update(body=MARKER, item_format="0ld-format")
    assert b"stale" not in listing(partner_a)


@pytest.fixture
def stored_at_once():
    """Run the store task where it would be queued, once the change commits."""
    with mock.patch.object(
        store_partner_items,
        "apply_async",
        side_effect=lambda args, queue: partner_items_store(delivery_ids=args[0]),
    ) as queued:
        yield queued


def stored_titles() -> dict[int, str]:
    return {
        stored.delivery_id: json.loads(stored.body)["title"]
        for stored in PartnerItem.objects.all()
    }


def test_a_delivery_delivered_or_changed_is_stored_again(
    platforms, partner_a, stored_at_once, django_capture_on_commit_callbacks
):
    page = new_short_video("新交付的短视频")
    with django_capture_on_commit_callbacks(execute=True):
        delivery = deliver(page, platforms["a"])
    stored = PartnerItem.objects.get(delivery=delivery)
    assert stored.delivery_updated_at == delivery.updated_at
    assert b"stale" not in listing(partner_a)

    # Not while it is not the partner's: a draft or a withdrawn delivery.
    with django_capture_on_commit_callbacks(execute=True):
        move(delivery, DeliveryState.WITHDRAWN)
    stored.refresh_from_db()
    assert stored.delivery_updated_at != delivery.updated_at


def test_a_retitled_programme_restores_the_items_below_it(
    deliveries, stored_at_once, django_capture_on_commit_callbacks
):
    partner_items_store()
    episode = next(
        d for d in deliveries["a"] if d.page.specific_class.__name__ == "EpisodePage"
    )
    programme = episode.page.get_parent().specific
    programme.title = "改名后的节目"
    with django_capture_on_commit_callbacks(execute=True):
        programme.save_revision().publish()

    stored = json.loads(PartnerItem.objects.get(delivery=episode).body)
    assert stored["programme"] == "改名后的节目"


def test_a_renamed_person_or_topic_restores_the_items_that_name_them(
    platforms, partner_a, stored_at_once, django_capture_on_commit_callbacks
):
    from cms.people.models import Person

    page = new_short_video("署名的短视频", topics=("声学",))
    with django_capture_on_commit_callbacks(execute=True):
        delivery = deliver(page, platforms["a"])
    person = Person.objects.get(name="陈思源")
    person.name = "陈思源（改）"
    tag = Tag.objects.get(name="声学")
    tag.name = "声学（改）"
    with django_capture_on_commit_callbacks(execute=True):
        person.save()
        tag.save()

    stored = json.loads(PartnerItem.objects.get(delivery=delivery).body)
    assert stored["credits"][0]["name"] == "陈思源（改）"
    assert stored["topics"] == ["声学（改）"]
    # And the listing, read from it, says so.
    assert "陈思源（改）" in listing(partner_a).decode()


def test_a_site_changed_restores_every_item(
    deliveries, stored_at_once, django_capture_on_commit_callbacks
):
    partner_items_store()
    PartnerItem.objects.update(body=MARKER)
    site = Site.objects.get(is_default_site=True)
    site.hostname = "kepu.example.cn"
    with django_capture_on_commit_callbacks(execute=True):
        site.save()
    bodies = list(PartnerItem.objects.values_list("body", flat=True))
    assert bodies and all("kepu.example.cn" in body for body in bodies)


def test_a_broker_away_does_not_fail_the_change(
    platforms, django_capture_on_commit_callbacks
):
    page = new_short_video("代理不可用时交付")
    with (
        mock.patch.object(
            store_partner_items, "apply_async", side_effect=OSError("broker away")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        delivery = deliver(page, platforms["a"])
    assert delivery.state == DeliveryState.DELIVERED
    assert not PartnerItem.objects.filter(delivery=delivery).exists()


def test_the_command_stores_every_visible_item(deliveries):
    out = io.StringIO()
    call_command("partner_items_store", stdout=out)
    visible = len(deliveries["a"]) + len(deliveries["b"])
    assert out.getvalue().strip() == f"已生成 {visible} 个条目。"
    assert PartnerItem.objects.count() == visible
    assert not PartnerItem.objects.filter(delivery=deliveries["draft_a"]).exists()
