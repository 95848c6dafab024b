"""The admin's chrome in Chinese and in the brand's name, page by page as the
server renders it (the browser sweep, tests/browser/test_admin_sweep.py,
walks every page; these point at the cause when one of them is wrong)."""

import json

import pytest
from django.contrib.auth.models import Group
from wagtail.models import Collection, Page, Task, Workflow

pytestmark = pytest.mark.django_db


def test_login_page_is_branded_and_labelled(client):
    html = client.get("/admin/login/").content.decode()
    assert "<title>登录 - 百嘎丽</title>" in html
    assert "<h1>登录百嘎丽管理后台</h1>" in html
    assert "baigali/mark.svg" in html
    # Wagtail's form leaves the password field unlabelled: Django's
    # untranslated "Password" would show.
    label = html.split('id="id_password-label"', 1)[1].split("</label>", 1)[0]
    assert "密码" in label and "Password" not in label
    assert "Wagtail" not in html.split("<body", 1)[1].split("<script", 1)[0]


def test_dashboard_speaks_chinese_and_asks_no_gravatar(client, superuser):
    client.force_login(superuser)
    html = client.get("/admin/").content.decode()
    assert "<title>控制面板 - 百嘎丽</title>" in html
    for english in ("Search all pages", "Pages <span", "Images <span", "editor guide"):
        assert english not in html
    assert "搜索所有页面…" in html
    assert "gravatar.com" not in html


def test_javascript_catalogue_carries_the_project_translations(client, superuser):
    client.force_login(superuser)
    script = client.get("/admin/jsi18n/").content.decode()
    # Draftail's placeholder in an empty rich-text field, as JSON writes it.
    assert json.dumps("输入内容，或键入“/”插入区块") in script


def test_help_menu_has_no_links_out_of_the_site(client, superuser):
    client.force_login(superuser)
    html = client.get("/admin/").content.decode()
    assert "guide.wagtail.org" not in html


def test_wagtail_defaults_are_renamed_or_gone():
    assert Collection.get_first_root_node().name == "全部资料"
    assert Page.get_first_root_node().title == "根目录"
    assert not Workflow.objects.filter(name="Moderators approval").exists()
    assert not Task.objects.filter(name="Moderators approval").exists()
    assert not Group.objects.filter(name__in=["Moderators", "Editors"]).exists()
    # Our review workflow is the one pages follow.
    assert Page.get_first_root_node().get_workflow().name == "百嘎丽发布审核"


def test_booleans_and_rendition_kinds_have_labels(client, superuser):
    client.force_login(superuser)
    for url in ("/admin/syndication/platforms/", "/admin/media-profiles/"):
        html = client.get(url).content.decode()
        assert "<td>True</td>" not in html and "<td>False</td>" not in html
        assert "icon-check" in html or "icon-cross" in html
        compact = "".join(html.split())
        assert '<spanclass="w-sr-only">是</span>' in compact or (
            '<spanclass="w-sr-only">否</span>' in compact
        )
