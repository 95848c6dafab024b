"""Dragging airings in the 播出日历's week view, in real Chromium against
``live_server``: a drag onto free time moves the airing (and the page keeps
its scroll position), a drag onto another airing is refused with the
schedule's Chinese reason and the airing snaps back, unchanged in the
database. No script or console error, no 500 along the way."""

import datetime as dt

import pytest

from tests.browser.test_media_end_to_end import log_in
from tests.browser.test_review_workflow import watch
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MONDAY = dt.date(2026, 5, 4)


def build_world():
    from cms.core.demo import demo_load
    from cms.schedules.services import airing_schedule
    from cms.schedules.timezones import local_datetime
    from tests.schedules.builders import make_channel, make_programme

    # See test_media_end_to_end.an_episode: the loader puts back what a
    # serialized rollback or an earlier flush left out.
    demo_load(with_media=False)
    editor = make_user("cal-editor", groups=["编辑"])
    assert [g.name for g in editor.groups.all()] == ["编辑"]
    channel = make_channel("拖动频道")
    programme = make_programme(title="日历拖动节目", slug="calendar-drag")

    def schedule(day, time):
        start = local_datetime(day, time)
        return airing_schedule(
            channel=channel,
            programme=programme,
            start_at=start,
            end_at=start + dt.timedelta(minutes=30),
        )

    moving = schedule(MONDAY, dt.time(19, 30))
    obstacle = schedule(MONDAY + dt.timedelta(days=2), dt.time(20, 0))
    return channel, moving, obstacle


def main_scroll(page) -> int:
    """How far Wagtail's main area (the admin's scrolling box) is scrolled."""
    return page.evaluate("document.querySelector('main').scrollTop")


def drop_at_minute(page, airing_pk: int, day: dt.date, hour: int, minute: int):
    """Drag the airing onto the hour cell at the height that means ``minute``."""
    cell = page.locator(f"td[data-drop-day='{day:%Y-%m-%d}'][data-drop-hour='{hour}']")
    box = cell.bounding_box()
    # The script reads the minute from where in the hour the drop lands.
    y = box["height"] * (minute + 2.5) / 60
    page.locator(f"[data-airing='{airing_pk}']").drag_to(
        cell, target_position={"x": box["width"] / 2, "y": y}
    )


def test_an_editor_drags_an_airing_and_a_clash_is_refused(live_server, page):
    from cms.schedules.models import Airing

    base = live_server.url
    channel, moving, obstacle = build_world()
    problems: list[str] = []
    watch(page, base, problems)
    page.set_viewport_size({"width": 1400, "height": 700})

    log_in(page, base, "cal-editor")
    page.goto(f"{base}/admin/schedules/calendar/?channel={channel.pk}&day={MONDAY}")
    source = page.locator(f"[data-airing='{moving.pk}']")
    assert source.get_attribute("draggable") == "true"
    # The keyboard's way: the airing is a link to its edit form.
    assert (
        source.locator("a")
        .get_attribute("href")
        .endswith(f"/admin/schedules/airings/edit/{moving.pk}/")
    )
    source.scroll_into_view_if_needed()
    scrolled = main_scroll(page)
    assert scrolled > 0, "the evening rows should be below the fold"
    tuesday = MONDAY + dt.timedelta(days=1)
    moved_cell = page.locator(f"td[data-drop-day='{tuesday}'][data-drop-hour='20']")

    # 1. Onto free time: Tuesday 20:45. The grid is swapped in, not reloaded.
    drop_at_minute(page, moving.pk, tuesday, 20, 45)
    message = page.locator("[data-calendar-message]")
    message.get_by_text("已将《日历拖动节目》移到 2026-05-05 20:45–21:15。").wait_for()
    moved_cell.locator(f"[data-airing='{moving.pk}']").get_by_text(
        "20:45 日历拖动节目"
    ).wait_for()
    # The page did not jump back to the top: the grid was swapped in place.
    assert abs(main_scroll(page) - scrolled) <= 1
    moving.refresh_from_db()
    assert moving.start_at == dt.datetime(2026, 5, 5, 12, 45, tzinfo=dt.UTC)
    assert moving.end_at == dt.datetime(2026, 5, 5, 13, 15, tzinfo=dt.UTC)

    # 2. Onto Wednesday 20:00, where the other airing is: refused, snapped back.
    drop_at_minute(page, moving.pk, MONDAY + dt.timedelta(days=2), 20, 0)
    refusal = (
        "未能移动：与测试电视台 拖动频道 2026-05-06 20:00–20:30 "
        "播出的《日历拖动节目》时间重叠。"
    )
    message.get_by_text(refusal).wait_for()
    assert message.get_attribute("role") == "alert"
    assert moved_cell.locator(f"[data-airing='{moving.pk}']").count() == 1
    assert page.locator(f"[data-airing='{moving.pk}'][aria-busy]").count() == 0
    assert Airing.objects.get(pk=moving.pk).start_at == moving.start_at
    assert Airing.objects.get(pk=obstacle.pk).start_at == obstacle.start_at
    assert not problems, problems
