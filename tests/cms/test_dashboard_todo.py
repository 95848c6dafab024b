"""The dashboard's 待办 panel: each role sees the work waiting for it, with
counts that match the listings the rows link to."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.models import Collection, Page

from media_pipeline.models import AssetStatus, MediaAsset
from syndication.models import Delivery, DeliveryState
from tests.admin_permissions.world import media_asset
from tests.conftest import make_user

ROLES = {
    "producer": ["制片"],
    "editor": ["编辑"],
    "reviewer": ["审核专家"],
    "manager": ["分发管理"],
}


@pytest.fixture
def work(demo):
    """Two failed assets, one being transcoded, one delivery that failed QC
    and a page waiting for 科学审核."""
    users = {role: make_user(f"todo-{role}", groups=g) for role, g in ROLES.items()}
    root = Collection.get_first_root_node()
    owner = make_user("todo-owner", superuser=True)
    for title, status in (
        ("失败一", AssetStatus.FAILED),
        ("失败二", AssetStatus.FAILED),
        ("转码中", AssetStatus.PROCESSING),
    ):
        asset = media_asset(title, root, owner)
        asset.status = status
        asset.save(update_fields=["status"])
    delivery = Delivery.objects.filter(state=DeliveryState.READY).first()
    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.QC_FAILED)

    page = Page.objects.filter(depth__gt=2).live().first().specific
    revision = page.save_revision(user=users["editor"])
    page.get_workflow().start(page, users["editor"])
    return users, revision


def todo_rows(client, user) -> dict[str, tuple[int, str]]:
    client.force_login(user)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    panel = BeautifulSoup(response.content, "html.parser").select_one(".todo-panel")
    if panel is None:
        return {}
    rows = {}
    for link in panel.select(".todo-panel__item a"):
        count = int(link.select_one(".todo-panel__count").get_text(strip=True))
        label = link.select_one(".todo-panel__label").get_text(strip=True)
        rows[label] = (count, link["href"])
    return rows


def test_each_role_sees_its_own_work(client, work):
    users, _revision = work
    producer = todo_rows(client, users["producer"])
    assert set(producer) == {"转码失败的媒体", "正在转码的媒体"}
    by_status = MediaAsset.objects.filter
    assert producer["转码失败的媒体"][0] == by_status(status="failed").count() >= 2
    assert producer["正在转码的媒体"][0] == by_status(status="processing").count() >= 1

    reviewer = todo_rows(client, users["reviewer"])
    assert list(reviewer) == ["等待我审核的页面"]
    count, url = reviewer["等待我审核的页面"]
    assert count == 1
    # The row leads to the panel on the same page that lists the page.
    path, anchor = url.split("#")
    home = BeautifulSoup(client.get(path).content, "html.parser")
    assert work[1].content_object.title in home.find(id=anchor).get_text()

    manager = todo_rows(client, users["manager"])
    assert set(manager) == {"质检未通过的交付", "交付后内容已更新、需重新交付"}
    failed_qc = Delivery.objects.filter(state=DeliveryState.QC_FAILED).count()
    assert manager["质检未通过的交付"][0] == failed_qc >= 1

    # The editor fixes media and approves 编辑终审, which is not yet theirs.
    editor = todo_rows(client, users["editor"])
    assert "等待我审核的页面" in editor
    assert editor["等待我审核的页面"][0] == 0
    assert "质检未通过的交付" not in editor


def test_the_rows_link_to_listings_showing_exactly_those(client, work):
    users, _revision = work
    for role in ("producer", "manager"):
        for label, (count, url) in todo_rows(client, users[role]).items():
            rows = BeautifulSoup(client.get(url).content, "html.parser").select(
                "table.listing tbody tr"
            )
            assert len(rows) == count, (role, label, url)


def test_the_count_follows_the_work(client, work):
    users, revision = work
    before = todo_rows(client, users["reviewer"])["等待我审核的页面"][0]
    task_state = revision.task_states.get()
    task_state.approve(user=users["reviewer"])
    after = todo_rows(client, users["reviewer"])["等待我审核的页面"][0]
    assert (before, after) == (1, 0)
