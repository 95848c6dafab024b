"""Let 审核专家 open the comparison of a draft with the live page.

While a page waits on 科学审核, Wagtail lets the task's group open the editor,
the draft and the revision compare view for it (``GroupApprovalTask`` grants
access to the editor; the views then check ``can_edit``). But the compare and
history views first ask whether the user holds *any* page permission at all
(``user_has_any_page_permission``), and reviewers held none, so "与发布版本进行
比较" sent them back to the dashboard. Of the page permissions that gate
counts, ``lock`` is the least: it lets a reviewer lock a page (and unlock only
what they locked themselves) and grants no editing or publishing; on a page in
review the workflow task decides locking anyway.
"""

from django.db import migrations

REVIEWERS = "审核专家"
CODENAME = "lock_page"


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    group = Group.objects.filter(name=REVIEWERS).first()
    if group is None:  # the roles were removed by hand; nothing to extend
        return
    content_type, _ = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="page"
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=CODENAME, defaults={"name": "Lock"}
    )
    GroupPagePermission.objects.get_or_create(
        group=group, page=Page.objects.get(depth=1), permission=permission
    )


def revoke(apps, schema_editor):
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupPagePermission.objects.filter(
        group__name=REVIEWERS, page__depth=1, permission__codename=CODENAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_chinese_names_for_wagtail_defaults")]

    operations = [migrations.RunPython(grant, revoke)]
