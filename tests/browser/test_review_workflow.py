"""The 科学审核 reviewer's day in real Chromium, against ``live_server``.

An episode has a draft that credits a new expert and waits on 科学审核. The
reviewer signs in, finds it on the dashboard, opens its preview (the draft,
with the new expert) and its comparison with the live version, then approves
it with a comment through Wagtail's own modal. No page along the way may
answer 500 or log a script or console error.
"""

from __future__ import annotations

import pytest

from tests.browser.test_media_end_to_end import log_in
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EXPERT = "周审稿专家"
COMMENT = "科学内容已核实，同意发布"


def build_world():
    """The demo, a reviewer, and a live episode whose draft credits
    ``EXPERT`` and waits on the first task of the review workflow."""
    from wagtail.models import Workflow

    from cms.core.demo import demo_load
    from cms.people.models import Person
    from cms.programmes.models import EpisodePage, EpisodeRole

    # See test_media_end_to_end.an_episode: after a serialized rollback the
    # demo may be partly gone; the loader puts back what is missing.
    demo_load(with_media=False)
    editor = make_user("rw-editor", groups=["编辑"])
    reviewer = make_user("rw-reviewer", groups=["审核专家"])
    # make_user skips missing groups; they come from a migration.
    assert [g.name for g in reviewer.groups.all()] == ["审核专家"]
    episode = EpisodePage.objects.live().order_by("path").first()
    expert = Person.objects.create(name=EXPERT, title="鄂尔多斯市科协 特聘专家")
    draft = episode.get_latest_revision_as_object()
    draft.participants.add(
        draft.participants.model(person=expert, role=EpisodeRole.EXPERT)
    )
    draft.save_revision(user=editor)
    Workflow.objects.get(name="百嘎丽发布审核").start(episode, editor)
    episode.refresh_from_db()
    assert episode.current_workflow_task.name == "科学审核"
    return episode, reviewer


def watch(page, base: str, problems: list[str]) -> None:
    """Collect, from ``page``, script errors, console errors and answers of
    500 or more from our server."""
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"{page.url} console: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.url}: {response.status}")
            if response.status >= 500 and response.url.startswith(base)
            else None
        ),
    )


def test_the_reviewer_previews_compares_and_approves(live_server, page, tmp_path):
    from wagtail.models import TaskState

    base = live_server.url
    episode, _reviewer = build_world()
    problems: list[str] = []
    watch(page, base, problems)

    log_in(page, base, "rw-reviewer")
    row = page.locator(f"#review-shortcuts-section tr[data-review-page='{episode.pk}']")
    row.wait_for()
    assert "科学审核" in row.inner_text()
    page.screenshot(path=tmp_path / "1-dashboard.png", full_page=True)

    # 预览草稿 opens the draft in a new tab: the new expert is on it.
    with page.expect_popup() as popup_info:
        row.get_by_role("link", name="预览草稿").click()
    preview = popup_info.value
    watch(preview, base, problems)
    preview.wait_for_load_state()
    credits = preview.locator("section.credits")
    credits.wait_for()
    assert EXPERT in credits.inner_text()
    assert preview.locator("h1").first.inner_text() == episode.title
    preview.screenshot(path=tmp_path / "2-preview.png", full_page=True)
    preview.close()

    # 与线上版本比较: Wagtail's compare view, the expert added in the draft.
    row.get_by_role("link", name="与线上版本比较").click()
    page.wait_for_url(f"{base}/admin/pages/{episode.pk}/revisions/compare/**")
    main = page.locator("main")
    main.wait_for()
    assert EXPERT in main.inner_text()
    page.screenshot(path=tmp_path / "3-compare.png", full_page=True)

    # Approve with a comment in Wagtail's modal, from the dashboard.
    page.goto(f"{base}/admin/")
    awaiting = page.locator("#awaiting-review-section tbody tr").filter(
        has_text=episode.title
    )
    awaiting.locator("[data-w-dropdown-target='toggle']").click()
    awaiting.get_by_role("button", name="带评论批准").click()
    dialog = page.locator("form[action*='/workflow/action/']")
    dialog.locator("textarea[name=comment]").fill(COMMENT)
    dialog.locator("button[type=submit]").click()
    page.wait_for_load_state()
    # Approving moves the page to 编辑终审, which the reviewer is not in.
    row.wait_for(state="detached")
    page.screenshot(path=tmp_path / "4-approved.png", full_page=True)

    science = TaskState.objects.filter(
        workflow_state__base_content_type=episode.get_base_content_type(),
        workflow_state__object_id=str(episode.pk),
        task__name="科学审核",
    ).get()
    assert science.status == TaskState.STATUS_APPROVED
    assert science.comment == COMMENT
    assert science.finished_by.username == "rw-reviewer"
    episode.refresh_from_db()
    assert episode.current_workflow_task.name == "编辑终审"
    assert not problems, problems
