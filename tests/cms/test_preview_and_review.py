"""Preview and review: every page type renders unsaved, as a draft revision
and live, through the real admin views, and a page goes through 科学审核 and
编辑终审 as the roles do it.

The page types are every concrete page model of the content apps and the
brand library, found in the app registry, so a new page type is covered
without being listed here. Each must have a page in the demo.

Preview modes: each page type keeps Wagtail's single mode. Every template is
responsive (one HTML for every screen), so 桌面/手机 modes would render the
same document; Wagtail 8's preview panel already shows it at 手机, 平板 and
桌面 widths, which is what an editor needs to check a layout.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.test import RequestFactory
from django.urls import reverse
from wagtail.models import Page, TaskState, Workflow, WorkflowState

from cms.core.deliverables import kind_for_model
from cms.people.models import BaseCredit, Person

pytestmark = pytest.mark.django_db

OWN_MODULES = ("cms.", "brand_assets.")


def page_models() -> list[type[Page]]:
    return sorted(
        (
            model
            for model in apps.get_models()
            if issubclass(model, Page)
            and model is not Page
            and model.__module__.startswith(OWN_MODULES)
        ),
        key=lambda model: model._meta.label,
    )


PAGE_MODELS = page_models()


def test_the_page_types_are_found():
    labels = {model._meta.label for model in PAGE_MODELS}
    # A floor, not the list: the point is that the registry is what is read.
    assert {
        "home.HomePage",
        "programmes.EpisodePage",
        "programmes.ProgramPage",
        "videos.ShortVideoPage",
        "music.MusicWorkPage",
        "brand_assets.BrandLibraryPage",
    } <= labels


def credit_relation(model) -> str | None:
    """The child relation of ``BaseCredit`` rows of ``model``, if any."""
    for relation in model._meta.related_objects:
        if issubclass(relation.related_model, BaseCredit):
            return relation.get_accessor_name()
    return None


def live_page(model):
    page = model.objects.live().order_by("path").first()
    assert page is not None, f"the demo has no live {model._meta.label}"
    return page


def new_person(name: str) -> Person:
    return Person.objects.create(name=name, title="预览测试专家")


def add_credit(page, person: Person) -> None:
    """Credit ``person`` on ``page`` in memory (modelcluster), unsaved."""
    relation = credit_relation(type(page))
    credit_model = page._meta.get_field(relation).related_model
    role = credit_model._meta.get_field("role").choices[0][0]
    getattr(page, relation).add(credit_model(person=person, role=role))


# --- 1. A fresh, unsaved page -------------------------------------------------


def unsaved_copy(live, title: str):
    """A new, never saved page of ``live``'s type with ``live``'s content and
    child rows (unsaved as well), placed as Wagtail places the page of the
    "add" preview: a path after the last sibling, and a URL path."""
    data = live.serializable_data()
    for value in data.values():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for row in value:
                row["pk"] = None
    data.update(
        pk=None,
        title=title,
        slug=f"unsaved-{live.pk}",
        live=False,
        live_revision=None,
        latest_revision=None,
    )
    page = type(live).from_serializable_data(data)
    page.id = None
    parent = live.get_parent()
    if parent is None:  # the home page: under the tree's root
        parent = Page.get_first_root_node()
    page.depth = parent.depth + 1
    page.path = parent.get_last_child()._inc_path()
    page.set_url_path(parent)
    return page


@pytest.mark.parametrize("model", PAGE_MODELS, ids=lambda m: m._meta.label)
def test_an_unsaved_page_renders_in_every_preview_mode(demo, editor, model):
    live = live_page(model)
    page = unsaved_copy(live, title=f"未保存的{model._meta.verbose_name}")
    person = None
    if credit_relation(model):
        person = new_person("胡未存")
        add_credit(page, person)
    assert page.pk is None
    request = RequestFactory().get("/")
    request.user = editor
    for mode, _label in page.preview_modes:
        response = page.make_preview_request(request, mode)
        assert response.status_code == 200, (model, mode)
        html = response.render().content.decode()
        if model._meta.label != "home.HomePage":  # home shows its tagline
            assert page.title in html
        if person is not None:
            assert person.name in html
            for row in getattr(live, credit_relation(model)).all():
                assert row.person.name in html


# --- 2. A draft revision, through the editor's admin --------------------------


def form_values(html: str, form_id: str) -> dict[str, list[str]]:
    """What the browser would submit from the form ``form_id`` of ``html``,
    without scripts: named fields, checked boxes, selected options, and none
    of the empty-row templates of inline panels."""
    form = BeautifulSoup(html, "html.parser").find("form", id=form_id)
    assert form is not None, f"no form #{form_id}"
    data: dict[str, list[str]] = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name or field.find_parent("template") or "__prefix__" in name:
            continue
        if field.name == "textarea":
            value = field.text
        elif field.name == "select":
            selected = field.find_all("option", selected=True)
            if not selected and not field.has_attr("multiple"):
                selected = field.find_all("option")[:1]
            for option in selected:
                data.setdefault(name, []).append(option.get("value", option.text))
            continue
        else:
            kind = (field.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                continue
            if kind in {"checkbox", "radio"} and not field.has_attr("checked"):
                continue
            value = field.get("value", "on" if kind == "checkbox" else "")
        data.setdefault(name, []).append(value)
    return data


def edit_url(page) -> str:
    return reverse("wagtailadmin_pages:edit", args=(page.pk,))


def edit_form(client, page) -> dict[str, list[str]]:
    response = client.get(edit_url(page))
    assert response.status_code == 200
    return form_values(response.content.decode(), "page-edit-form")


def with_new_credit(data: dict, relation: str, person: Person, model) -> dict:
    """``data`` with one more inline row crediting ``person``."""
    credit_model = model._meta.get_field(relation).related_model
    role = credit_model._meta.get_field("role").choices[0][0]
    total = int(data[f"{relation}-TOTAL_FORMS"][0])
    row = f"{relation}-{total}"
    return {
        **data,
        f"{relation}-TOTAL_FORMS": [str(total + 1)],
        f"{row}-id": [""],
        f"{row}-ORDER": [str(total + 1)],
        f"{row}-person": [str(person.pk)],
        f"{row}-role": [role],
        f"{row}-note": [""],
    }


def changed_form(client, page, marker: str, person: Person | None) -> dict:
    """The page's edit form with the title, the search description and, for
    a page that credits people, its credits changed."""
    data = edit_form(client, page)
    data["title"] = [marker]
    data["search_description"] = [marker]
    if person is not None:
        data = with_new_credit(data, credit_relation(type(page)), person, type(page))
    return data


def save_draft(client, page, data: dict) -> None:
    response = client.post(edit_url(page), data)
    assert response.status_code == 302, form_errors(response)


def form_errors(response) -> str:
    context = response.context or {}
    form = context.get("form")
    return f"{response.status_code}: {getattr(form, 'errors', '')!r}"


def public_html(client, page) -> str:
    response = client.get(page.get_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("model", PAGE_MODELS, ids=lambda m: m._meta.label)
def test_a_draft_with_changed_relations_renders_in_every_admin_view(
    client, demo, editor, reviewer, model
):
    page = live_page(model)
    marker = f"草稿标记{model._meta.model_name}"
    person = new_person("钱草稿") if credit_relation(model) else None
    client.force_login(editor)

    # One preview mode, the page as the public sees it: the templates are
    # responsive, so a 手机 or 桌面 mode would render the same HTML; the
    # preview panel's device sizes show it at each width instead.
    assert [mode for mode, _label in page.preview_modes] == [""]
    editor_html = client.get(edit_url(page)).content.decode()
    for size in ("手机预览", "桌面预览"):
        assert size in editor_html

    # The editor's live preview posts the form, then loads the preview.
    data = changed_form(client, page, marker, person)
    preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=(page.pk,))
    answer = client.post(preview_url, data).json()
    assert answer == {"is_valid": True, "is_available": True}
    response = client.get(preview_url)
    assert response.status_code == 200
    assert_shows(response.content.decode(), marker, person)

    save_draft(client, page, data)
    page.refresh_from_db()
    assert page.has_unpublished_changes

    # 查看草稿 shows the draft, the public page still the live version.
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=(page.pk,)))
    assert response.status_code == 200
    assert_shows(response.content.decode(), marker, person)
    client.logout()
    live_html = public_html(client, page)
    assert marker not in live_html
    if person is not None:
        assert person.name not in live_html

    # The reviewer's preview of the task, once the page is submitted.
    workflow = Workflow.objects.get(name="百嘎丽发布审核")
    workflow.start(page, editor)
    science = first_task(workflow)
    client.force_login(reviewer)
    response = client.get(workflow_preview_url(page, science))
    assert response.status_code == 200
    assert_shows(response.content.decode(), marker, person)
    response = client.get(compare_url(page))
    assert response.status_code == 200
    assert marker in response.content.decode()


def assert_shows(html: str, marker: str, person: Person | None) -> None:
    assert f'content="{marker}"' in html  # base.html's search description
    if person is not None:
        assert person.name in html


def first_task(workflow):
    return workflow.tasks.order_by("workflow_tasks__sort_order").first()


def workflow_preview_url(page, task) -> str:
    return reverse("wagtailadmin_pages:workflow_preview", args=(page.pk, task.pk))


def compare_url(page, revision="latest") -> str:
    return reverse(
        "wagtailadmin_pages:revisions_compare", args=(page.pk, "live", revision)
    )


def as_new_page(data: dict, model, slug: str) -> dict:
    """An edit form's data as the "add" form of a new page would send it:
    another slug, a number of its own in its programme or series, and its
    inline rows new rows rather than the page's."""
    data = {**data, "slug": [slug]}
    kind = kind_for_model(model)
    if kind is not None and kind.number_field:
        data[kind.number_field] = ["9001"]
    for name in data:
        if name.endswith("-id") and name.count("-") == 2:
            data[name] = [""]
    return data


@pytest.mark.parametrize("model", PAGE_MODELS, ids=lambda m: m._meta.label)
def test_a_new_page_previews_through_the_add_endpoint(client, demo, editor, model):
    """The preview of a page that has never been saved, as the editor sees it
    while filling in the "add" form: the view builds an unsaved page, places
    it under its parent, and renders it from the form."""
    live = live_page(model)
    parent = live.get_parent()
    marker = f"新建预览{model._meta.model_name}"
    person = new_person("吴新建") if credit_relation(model) else None
    client.force_login(editor)
    data = changed_form(client, live, marker, person)
    data = as_new_page(data, model, slug=f"new-{live.pk}")
    url = reverse(
        "wagtailadmin_pages:preview_on_add",
        args=(model._meta.app_label, model._meta.model_name, parent.pk),
    )
    if not model.can_create_at(parent.specific):
        # One per site or per section (首页, 节目列表页, …): no second one
        # can be added, so there is no preview of one either.
        assert client.post(url, data).status_code == 302
        return
    answer = client.post(url, data).json()
    assert answer == {"is_valid": True, "is_available": True}
    response = client.get(url)
    assert response.status_code == 200
    assert_shows(response.content.decode(), marker, person)
    assert not model.objects.filter(slug=f"new-{live.pk}").exists()


# --- 3. The whole workflow, through the admin, as each role -------------------


@pytest.fixture
def episode(demo):
    from cms.programmes.models import EpisodePage

    return live_page(EpisodePage)


def submit(client, page, person: Person, marker: str) -> WorkflowState:
    data = changed_form(client, page, marker, person)
    data["action-submit"] = ["action-submit"]
    response = client.post(edit_url(page), data)
    assert response.status_code == 302, form_errors(response)
    state = WorkflowState.objects.get(
        base_content_type=page.get_base_content_type(),
        object_id=str(page.pk),
        status=WorkflowState.STATUS_IN_PROGRESS,
    )
    return state


def act(client, page, action: str, comment: str = "") -> None:
    task_state = page.current_workflow_task_state
    url = reverse(
        "wagtailadmin_pages:workflow_action",
        args=(page.pk, action, task_state.pk),
    )
    response = client.post(url, {"comment": comment})
    assert response.status_code == 302


def test_submit_science_review_and_final_approval_publish(
    client, episode, producer, reviewer, editor
):
    person = new_person("孙审定")
    marker = "送审的单集"

    # The producer edits and submits; nothing is public yet.
    client.force_login(producer)
    submit(client, episode, person, marker)
    episode.refresh_from_db()
    assert episode.current_workflow_task.name == "科学审核"
    assert person.name not in public_html(client, episode)

    # The reviewer finds it on the dashboard, with the draft and the
    # comparison one click away, and sees the new participant in both.
    client.force_login(reviewer)
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    panel = BeautifulSoup(dashboard, "html.parser").find(id="review-shortcuts-section")
    assert panel is not None, "no 待你审核的页面 panel for the reviewer"
    row = panel.find("tr", attrs={"data-review-page": str(episode.pk)})
    links = {a.text.strip(): a["href"] for a in row.find_all("a")}
    science = first_task(Workflow.objects.get(name="百嘎丽发布审核"))
    revision = episode.get_latest_revision()
    assert links["预览草稿"] == workflow_preview_url(episode, science)
    assert links["与线上版本比较"] == compare_url(episode, revision.pk)
    preview = client.get(links["预览草稿"])
    assert preview.status_code == 200
    assert person.name in preview.content.decode()
    comparison = client.get(links["与线上版本比较"])
    assert comparison.status_code == 200
    assert person.name in comparison.content.decode()
    assert client.get(links["打开审核"]).status_code == 200
    act(client, episode, "approve", comment="科学内容无误")

    # The editor's final approval publishes it.
    episode.refresh_from_db()
    assert episode.current_workflow_task.name == "编辑终审"
    client.force_login(editor)
    act(client, episode, "approve")
    episode.refresh_from_db()
    assert episode.current_workflow_task is None
    assert episode.live_revision_id == episode.latest_revision_id
    assert not episode.has_unpublished_changes
    client.logout()
    html = public_html(client, episode)
    assert person.name in html
    assert episode.title == marker


def test_rejection_with_a_comment_returns_the_page_to_the_producer(
    client, episode, producer, reviewer
):
    person = new_person("李退回")
    client.force_login(producer)
    state = submit(client, episode, person, "待修改的单集")

    client.force_login(reviewer)
    comment = "第三段的数据来源需要注明"
    act(client, episode, "reject", comment=comment)

    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    task_state = state.task_states.get()
    assert task_state.status == TaskState.STATUS_REJECTED
    assert task_state.comment == comment
    episode.refresh_from_db()
    assert episode.live_revision_id != episode.latest_revision_id
    client.logout()
    assert person.name not in public_html(client, episode)

    # The producer sees the comment where Wagtail shows the page's review.
    client.force_login(producer)
    history = client.get(
        reverse(
            "wagtailadmin_pages:workflow_history_detail",
            args=(episode.pk, state.pk),
        )
    )
    assert history.status_code == 200
    assert comment in history.content.decode()
    editor_view = client.get(edit_url(episode))
    assert editor_view.status_code == 200
    assert comment in editor_view.content.decode()


def test_reviewers_reach_a_draft_only_while_it_waits_on_them(
    client, episode, reviewer, editor
):
    episode.save_revision(user=editor)
    draft_urls = [
        reverse("wagtailadmin_pages:view_draft", args=(episode.pk,)),
        compare_url(episode),
    ]
    client.force_login(reviewer)
    for url in draft_urls:
        assert client.get(url).status_code != 200, url

    workflow = Workflow.objects.get(name="百嘎丽发布审核")
    workflow.start(episode, editor)
    for url in draft_urls:
        assert client.get(url).status_code == 200, url
    preview = client.get(workflow_preview_url(episode, first_task(workflow)))
    assert preview.status_code == 200


@pytest.mark.parametrize("state", ["live", "revision"])
def test_credits_are_read_in_a_fixed_number_of_queries(demo, editor, state):
    """Reading a page's credits costs the same queries for one credit as for
    six: the people (and their photos) come in one query each, whether the
    rows come from the database or from a revision."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cms.programmes.models import EpisodePage

    def queries(page) -> tuple[int, list[str]]:
        if state == "live":
            page = EpisodePage.objects.get(pk=page.pk)
        else:
            page = page.get_latest_revision_as_object()
        with CaptureQueriesContext(connection) as captured:
            names = [credit.person.name for credit in page.get_credits()]
        return len(captured), names

    episode = live_page(EpisodePage)
    episode.participants.all().delete()
    add_credit(episode, new_person("一号专家"))
    episode.save_revision(user=editor).publish()
    one, names = queries(episode)
    assert names == ["一号专家"]
    for n in range(5):
        add_credit(episode, new_person(f"{n + 2}号专家"))
    episode.save_revision(user=editor).publish()
    six, names = queries(episode)
    assert len(names) == 6
    assert six == one
