"""The header's search box in Chromium, on ``live_server`` with the demo:
typing shows title suggestions from the search engine, the keyboard moves
through them, Enter opens the chosen page, and nothing logs an error."""

import pytest
from django.core.management import call_command

from tests.support.page_waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_typing_suggests_titles_and_enter_opens_the_chosen_one(live_server, page):
    from cms.videos.models import ShortVideoPage

    call_command("update_index", verbosity=0)
    target = ShortVideoPage.objects.live().public().get(title__contains="古如歌")
    console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and console_errors.append(message.text),
    )

    page.goto(live_server.url + "/")
    box = page.get_by_role("combobox", name="搜索全站")
    box.fill("古如歌")
    listbox = page.locator("#site-search-list")
    wait_until(
        listbox, "l => !l.hidden && l.querySelectorAll('[role=option]').length > 0"
    )
    assert box.get_attribute("aria-expanded") == "true"
    options = listbox.locator("[role=option]")
    titles = options.all_inner_texts()
    assert any(target.title in title for title in titles), titles

    chosen = next(i for i, title in enumerate(titles) if target.title in title)
    for _ in range(chosen + 1):
        box.press("ArrowDown")
    assert options.nth(chosen).get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == f"site-search-option-{chosen}"
    box.press("Enter")
    page.wait_for_url(live_server.url + target.url)
    assert page.locator("h1").first.inner_text().strip() == target.title

    # Esc closes the list; plain Enter with none chosen searches the words.
    box = page.get_by_role("combobox", name="搜索全站")
    box.fill("沙漠")
    listbox = page.locator("#site-search-list")
    wait_until(listbox, "l => !l.hidden")
    box.press("Escape")
    assert listbox.is_hidden()
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    assert page.locator("mark").first.inner_text() == "沙漠"
    assert console_errors == []
