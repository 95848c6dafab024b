"""In real Chromium: Wagtail's script fills the slug from a Chinese title in
Chinese; the page is published under its pinyin address all the same."""

import pytest
from django.utils.text import slugify

from tests.browser.test_media_end_to_end import PASSWORD, log_in
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLE = "库布其沙漠的绿色奇迹"


def test_a_programme_titled_in_chinese_is_published_under_pinyin(live_server, page):
    from cms.core.demo import demo_load
    from cms.programmes.models import ProgramIndexPage, ProgramPage

    demo_load(with_media=False)
    index = ProgramIndexPage.objects.get()
    user = make_user("slug-editor", superuser=True)
    assert user.check_password(PASSWORD)
    base = live_server.url
    log_in(page, base, "slug-editor")

    page.goto(f"{base}/admin/pages/add/programmes/programpage/{index.pk}/")
    title = page.locator("#id_title")
    title.click()
    title.press_sequentially(TITLE)
    title.blur()
    # What the browser sends: the title as a Unicode slug (w-sync → w-slug).
    slug = page.locator("#id_slug")
    for _ in range(50):
        if slug.input_value():
            break
        page.wait_for_timeout(100)
    assert slug.input_value() == slugify(TITLE, allow_unicode=True)

    footer = page.locator("footer .w-dropdown-button")
    footer.locator("[data-w-dropdown-target='toggle']").click()
    footer.locator("button[name='action-publish']").click()
    page.wait_for_url(lambda url: "/add/" not in url, timeout=30_000)

    created = ProgramPage.objects.get(title=TITLE)
    assert created.live and created.slug == "kubuqi-shamo-de-lvse-qiji"
    _site, _root, path = created.get_url_parts()
    assert path.endswith("/kubuqi-shamo-de-lvse-qiji/")
    page.goto(base + path)
    assert page.locator("h1").inner_text() == TITLE
