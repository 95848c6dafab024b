"""Take-down reaches partners: a page going offline withdraws its items at
once (the ledger records it via 系统), and a revoked key kills the download
links it fetched."""

from __future__ import annotations

import datetime as dt
import json

import feedparser
from django.core.management import call_command
from django.utils import timezone

from syndication.keys import partner_key_create, partner_key_revoke
from syndication.models import DeliveryEvent, DeliveryState, PartnerKey, Via
from syndication.workflow import PAGE_OFFLINE_REASON

from .conftest import Partner, deliver, new_short_video


def fetch(partner: Partner, url: str, **extra):
    response = partner.client.get(url, **extra)
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    return response.status_code, body, response


def mp4_link(partner: Partner, delivery) -> str:
    item = partner.get(f"/items/{delivery.pk}").json()
    return next(r["url"] for r in item["renditions"] if r["kind"] == "mp4")


def feed_ids(partner: Partner) -> set[str]:
    feed = feedparser.parse(partner.get("/feeds/mrss").content)
    return {entry.id for entry in feed.entries}


def guid(delivery) -> str:
    return f"urn:baigali:delivery:{delivery.pk}"


def assert_taken_down(partner: Partner, delivery, link: str):
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.WITHDRAWN
    event = delivery.events.order_by("-pk").first()
    assert (event.to_state, event.via, event.actor) == (
        DeliveryState.WITHDRAWN,
        Via.SYSTEM,
        None,
    )
    assert event.reason == str(PAGE_OFFLINE_REASON)
    # The item reads as a tombstone, its detail is gone, the feeds drop it
    # and its links are refused.
    listing = partner.get("/items?updated_since=2000-01-01T00:00:00Z").json()
    tombstone = next(i for i in listing["items"] if i["id"] == delivery.pk)
    assert tombstone == {
        "id": delivery.pk,
        "deleted": True,
        "state": "withdrawn",
        "updated_at": tombstone["updated_at"],
    }
    assert partner.get(f"/items/{delivery.pk}").status_code == 404
    assert not any(
        entry_id.endswith(f"/{delivery.pk}") for entry_id in feed_ids(partner)
    )
    status, _, response = fetch(partner, link)
    assert status == 410
    assert (
        json.loads(response.content)["detail"] == "该内容已撤回或已过期，不能再下载。"
    )


def test_unpublishing_the_page_withdraws_its_items(
    delivered_with_media, partner_a, partner_b, platforms
):
    page = delivered_with_media.page.specific
    to_b = deliver(page, platforms["b"], asset=delivered_with_media.asset)
    link = mp4_link(partner_a, delivered_with_media)
    assert fetch(partner_a, link)[0] == 200
    assert guid(delivered_with_media) in feed_ids(partner_a)

    page.unpublish()

    assert_taken_down(partner_a, delivered_with_media, link)
    to_b.refresh_from_db()
    assert to_b.state == DeliveryState.WITHDRAWN  # every platform's item


def test_an_expiring_page_withdraws_its_items(delivered_with_media, partner_a):
    page = delivered_with_media.page.specific
    link = mp4_link(partner_a, delivered_with_media)
    assert guid(delivered_with_media) in feed_ids(partner_a)
    page.expire_at = timezone.now() - dt.timedelta(minutes=1)
    page.save_revision().publish()
    # Wagtail's scheduler (a cron job in production) expires it.
    call_command("publish_scheduled")
    page.refresh_from_db()
    assert page.expired and not page.live
    assert_taken_down(partner_a, delivered_with_media, link)


def test_items_below_an_unpublished_page_are_withdrawn_too(
    delivered_with_media, partner_a
):
    series = delivered_with_media.page.get_parent().specific
    link = mp4_link(partner_a, delivered_with_media)
    series.unpublish()
    assert_taken_down(partner_a, delivered_with_media, link)


def test_deliveries_not_yet_out_are_left_alone(platforms, partner_a):
    from syndication.services import delivery_create

    page = new_short_video("还在准备的短视频")
    draft = delivery_create(page=page, profile=platforms["a"].profiles.first())
    page.unpublish()
    draft.refresh_from_db()
    assert draft.state == DeliveryState.DRAFT
    assert not DeliveryEvent.objects.filter(
        delivery=draft, to_state=DeliveryState.WITHDRAWN
    ).exists()


def test_a_revoked_key_kills_the_links_it_fetched(delivered_with_media, partner_a):
    # A second key of the same partner, used for a while, then revoked.
    _key, other_plaintext = partner_key_create(partner=partner_a.account)
    other = Partner(account=partner_a.account, key=other_plaintext)
    links_of_other = mp4_link(other, delivered_with_media)
    links_of_first = mp4_link(partner_a, delivered_with_media)
    assert fetch(other, links_of_other)[0] == 200

    key = PartnerKey.objects.get(partner=partner_a.account, revoked_at=None, pk=_key.pk)
    partner_key_revoke(key=key)

    status, _, response = fetch(other, links_of_other)
    assert status == 403
    assert "密钥已被吊销" in json.loads(response.content)["detail"]
    # Links fetched with the partner's other key still work.
    assert fetch(partner_a, links_of_first)[0] == 200


def test_a_revoked_key_kills_the_nested_hls_links(delivered_with_media, partner_a):
    _key, plaintext = partner_key_create(partner=partner_a.account)
    other = Partner(account=partner_a.account, key=plaintext)
    item = other.get(f"/items/{delivered_with_media.pk}").json()
    master = next(r["url"] for r in item["renditions"] if r["kind"] == "hls_master")
    status, body, _ = fetch(other, master)
    assert status == 200
    nested = next(
        line for line in body.decode().splitlines() if line and line[0] != "#"
    )
    assert fetch(other, nested)[0] == 200
    partner_key_revoke(key=_key)
    assert fetch(other, nested)[0] == 403
    assert fetch(other, master)[0] == 403
