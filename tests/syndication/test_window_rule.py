"""The availability-window rule, written once as a filter and once in Python
(``syndication.models``): both give the same answer for every state and
window."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from syndication.items import TAKEDOWNS, is_visible
from syndication.models import (
    TAKEN_DOWN,
    VISIBLE_TO_PARTNER,
    Delivery,
    DeliveryState,
    is_visible_at,
    is_window_open,
    visible_at,
    window_open_at,
)
from syndication.services import delivery_create

from .conftest import demo_items

NOW = timezone.make_aware(dt.datetime(2025, 6, 1, 12, 0))
EDGES = (None, NOW - dt.timedelta(days=1), NOW, NOW + dt.timedelta(days=1))


@pytest.fixture
def delivery(platforms):
    page = demo_items()[0]
    return delivery_create(page=page, profile=platforms["a"].profiles.first())


def test_the_filter_and_the_predicate_agree(delivery):
    one = Delivery.objects.filter(pk=delivery.pk)
    states = (DeliveryState.DELIVERED, DeliveryState.ADOPTED, DeliveryState.WITHDRAWN)
    for state, start, end in itertools.product(states, EDGES, EDGES):
        one.update(state=state, available_from=start, available_until=end)
        row = one.values("state", "available_from", "available_until").get()
        window = is_window_open(start, end, NOW)
        assert one.filter(window_open_at(NOW)).exists() == window, (start, end)
        visible = is_visible_at(state, start, end, NOW)
        assert visible == (state in VISIBLE_TO_PARTNER and window)
        assert one.filter(visible_at(NOW)).exists() == visible, (state, start, end)
        assert is_visible(row, NOW) == visible
        assert (
            Delivery.objects.visible_to(delivery.platform, at=NOW)
            .filter(pk=delivery.pk)
            .exists()
            == visible
        )


def test_every_state_taken_down_has_what_the_partner_is_told():
    assert set(TAKEDOWNS) == TAKEN_DOWN
