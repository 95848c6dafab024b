"""The demo schedules its programmes four weeks back and ahead, with as-run
logs that prove most airings and show a late and a missing one."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from lxml import etree

from cms.schedules.demo import demo_schedules
from cms.schedules.models import Airing, AiringStatus, AsRunImport
from cms.schedules.reports import broadcast_report
from cms.schedules.xmltv import xmltv_dtd

pytestmark = pytest.mark.django_db


def test_demo_schedules_four_weeks_back_and_ahead(demo):
    now = timezone.now()
    tv = Airing.objects.filter(channel__schedule__slug="ordos-news")
    assert tv.filter(start_at__lt=now - dt.timedelta(weeks=3)).exists()
    assert tv.filter(start_at__gt=now + dt.timedelta(weeks=3)).exists()
    assert not tv.filter(start_at__lt=now - dt.timedelta(weeks=4, days=1)).exists()
    assert not tv.filter(start_at__gt=now + dt.timedelta(weeks=4, days=1)).exists()
    assert tv.filter(episode__isnull=False).count() == tv.count()
    radio = Airing.objects.filter(channel__schedule__slug="ordos-traffic-radio")
    assert radio.exists() and not radio.exclude(kind="repeat").exists()
    assert Airing.objects.filter(channel__schedule__slug="baigali-online").exists()


def test_demo_asrun_has_a_late_and_a_missing_airing(demo):
    tv = Airing.objects.filter(channel__schedule__slug="ordos-news")
    assert tv.filter(status=AiringStatus.LATE).count() == 1
    assert tv.filter(status=AiringStatus.MISSING).count() == 1
    assert tv.filter(status=AiringStatus.AIRED).exists()
    late = tv.get(status=AiringStatus.LATE)
    assert late.difference_label == "晚 3:00"
    # The future is not proved or refuted.
    assert (
        not tv.filter(start_at__gt=timezone.now())
        .exclude(status=AiringStatus.SCHEDULED)
        .exists()
    )
    assert AsRunImport.objects.filter(channel__schedule__slug="ordos-news").exists()
    report = broadcast_report()
    assert any(row[0] == "百嘎丽科普开讲" for row in report.by_month.rows)


def test_demo_xmltv_validates_and_loading_twice_changes_nothing(client, demo):
    response = client.get("/schedule/ordos-news/xmltv.xml")
    document = etree.parse(io.BytesIO(response.content))
    assert xmltv_dtd().validate(document)
    assert document.getroot().findall("programme")
    airings = Airing.objects.values_list("channel_id", "start_at", "episode_id")
    before = set(airings)
    last_start = max(start for _, start, _ in before)
    imports = AsRunImport.objects.count()

    demo_schedules()

    after = list(airings)
    assert len(after) == len(set(after))  # nothing twice
    assert before <= set(after)  # nothing moved or lost
    # The window is four weeks from today (Shanghai): run again after
    # midnight, it reaches one day further, and only that day is new.
    assert all(start > last_start for _, start, _ in set(after) - before)
    assert AsRunImport.objects.count() == imports
