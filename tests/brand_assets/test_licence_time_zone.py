"""Licence days are counted in the project's time zone (Asia/Shanghai), not
in the one Wagtail activates for the admin user looking at them."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from brand_assets.downloads import DownloadRefused, check_licence, licence_end
from brand_assets.licences import licence_status
from brand_assets.models import Licence, LicenseeKind, UsageScope
from tests.brand_assets.builders import brand_asset

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
LAST_DAY = dt.date(2026, 3, 10)


@pytest.fixture
def licence(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    return Licence.objects.create(
        asset=brand_asset("时区测试标志"),
        licensee_kind=LicenseeKind.SCHOOL,
        licensee_name="鄂尔多斯市第一中学",
        uses=[UsageScope.EDUCATION],
        starts_on=dt.date(2026, 1, 1),
        ends_on=LAST_DAY,
    )


def at(day: dt.date, hour: int, minute: int):
    """``timezone.now()`` frozen at a Shanghai wall-clock time, while the
    admin user's own time zone (New York, a day behind in the evening) is
    the active one."""
    moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)
    return mock.patch(
        "django.utils.timezone.now", return_value=moment.astimezone(dt.UTC)
    )


def test_a_licence_ending_today_holds_until_midnight_in_shanghai(licence):
    with timezone.override("America/New_York"), at(LAST_DAY, 23, 59):
        assert licence.is_in_force()
        assert Licence.objects.in_force().filter(pk=licence.pk).exists()
        assert licence_status(licence) == "in_force"
        assert check_licence(licence.pk) == licence
        assert licence_end(licence) > timezone.now()


def test_a_licence_ends_at_midnight_in_shanghai(licence):
    next_day = LAST_DAY + dt.timedelta(days=1)
    with timezone.override("America/New_York"), at(next_day, 0, 1):
        assert not licence.is_in_force()
        assert not Licence.objects.in_force().filter(pk=licence.pk).exists()
        assert licence_status(licence) == "ended"
        with pytest.raises(DownloadRefused):
            check_licence(licence.pk)
        assert licence_end(licence) == dt.datetime(2026, 3, 11, tzinfo=SHANGHAI)
        assert licence_end(licence) < timezone.now()
