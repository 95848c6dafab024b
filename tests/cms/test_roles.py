"""Producers draft, editors publish, reviewers approve the science."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import Workflow

from cms.home.models import HomePage
from cms.programmes.models import EpisodePage, ProgramPage

from .helpers import add_page_url, episode_form_data

pytestmark = pytest.mark.django_db

ROLE_NAMES = ["制片", "编辑", "审核专家", "分发管理"]


def test_the_four_roles_exist_and_reach_the_admin():
    for name in ROLE_NAMES:
        group = Group.objects.get(name=name)
        assert group.permissions.filter(codename="access_admin").exists(), name


def test_producer_can_edit_but_not_publish(demo, producer, editor):
    page = ProgramPage.objects.first()
    producer_perms = page.permissions_for_user(producer)
    assert producer_perms.can_edit()
    assert not producer_perms.can_publish()
    editor_perms = page.permissions_for_user(editor)
    assert editor_perms.can_edit()
    assert editor_perms.can_publish()


@pytest.mark.parametrize(("role", "goes_live"), [("producer", False), ("editor", True)])
def test_publishing_through_the_admin(client, demo, request, role, goes_live):
    user = request.getfixturevalue(role)
    programme = ProgramPage.objects.get(title="百嘎丽科普开讲")
    client.force_login(user)
    response = client.post(
        add_page_url(EpisodePage, programme),
        {**episode_form_data(slug=f"by-{role}"), "action-publish": "action-publish"},
    )
    assert response.status_code == 302
    page = EpisodePage.objects.get(slug=f"by-{role}")
    assert page.live is goes_live
    assert page.has_unpublished_changes is not goes_live


def test_reviewers_cannot_edit_pages(demo, reviewer):
    page = HomePage.objects.get()
    assert not page.permissions_for_user(reviewer).can_edit()


def test_pages_go_through_science_review_then_editors(demo):
    workflow = Workflow.objects.get(name="百嘎丽发布审核")
    assert HomePage.objects.get().get_workflow() == workflow
    tasks = [task.specific for task in workflow.tasks.order_by("workflow_tasks")]
    assert [t.name for t in tasks] == ["科学审核", "编辑终审"]
    assert [list(t.groups.values_list("name", flat=True)) for t in tasks] == [
        ["审核专家"],
        ["编辑"],
    ]
