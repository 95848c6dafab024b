"""Chinese names for what Wagtail's own migrations create in English.

The root collection ("Root") and the root page ("Root") get Chinese names.
Wagtail's default review set-up, the "Moderators" and "Editors" groups and
the "Moderators approval" workflow and task, was replaced by our roles and
the 百嘎丽发布审核 workflow (0001_roles): each is removed when nothing uses it
(no member, no review history), and otherwise kept under a Chinese name,
the workflow and task disabled.
"""

from django.db import migrations

ROOT_COLLECTION_NAME = "全部资料"
ROOT_PAGE_TITLE = "根目录"
DEFAULT_GROUPS = {"Moderators": "默认审核员（未使用）", "Editors": "默认编辑（未使用）"}
DEFAULT_REVIEW = ("Moderators approval", "默认审核（已停用）")


def rename_defaults(apps, schema_editor):
    Collection = apps.get_model("wagtailcore", "Collection")
    Page = apps.get_model("wagtailcore", "Page")
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")
    WorkflowState = apps.get_model("wagtailcore", "WorkflowState")
    TaskState = apps.get_model("wagtailcore", "TaskState")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")

    Collection.objects.filter(depth=1, name="Root").update(name=ROOT_COLLECTION_NAME)
    Page.objects.filter(depth=1, title="Root").update(
        title=ROOT_PAGE_TITLE, draft_title=ROOT_PAGE_TITLE
    )

    old_name, new_name = DEFAULT_REVIEW
    for workflow in Workflow.objects.filter(name=old_name):
        if WorkflowState.objects.filter(workflow=workflow).exists():
            WorkflowPage.objects.filter(workflow=workflow).delete()
            workflow.name, workflow.active = new_name, False
            workflow.save(update_fields=["name", "active"])
        else:
            workflow.delete()
    for task in Task.objects.filter(name=old_name):
        if TaskState.objects.filter(task=task).exists():
            task.name, task.active = new_name, False
            task.save(update_fields=["name", "active"])
        else:
            task.delete()

    for old_name, new_name in DEFAULT_GROUPS.items():
        for group in Group.objects.filter(name=old_name):
            if group.user_set.exists():
                group.name = new_name
                group.save(update_fields=["name"])
            else:
                group.delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_roles")]

    operations = [migrations.RunPython(rename_defaults, migrations.RunPython.noop)]
