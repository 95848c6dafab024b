"""The editorial roles of the brand and the review workflow they follow.

制片 (producers) draft pages and upload media but cannot publish; 编辑 (editors)
publish; 审核专家 (science reviewers) approve the science of a page before an
editor's final approval publishes it; 分发管理 (syndication managers) get their
own permissions with the syndication app and can read the library meanwhile.
"""

from django.db import migrations

ACCESS_ADMIN = ("wagtailadmin", "admin", "access_admin")


def page_perm(codename):
    return ("wagtailcore", "page", codename)


def model_perms(app_label, model, *actions):
    return [(app_label, model, f"{action}_{model}") for action in actions]


REFERENCE_LIBRARY_EDIT = (
    model_perms("people", "person", "add", "change")
    + model_perms("broadcasters", "broadcaster", "add", "change")
    + model_perms("awards", "award", "add", "change")
)
MEDIA_CHOOSE = model_perms("wagtailimages", "image", "choose") + model_perms(
    "wagtaildocs", "document", "choose"
)
MEDIA_EDIT = model_perms(
    "wagtailimages", "image", "add", "change", "choose"
) + model_perms("wagtaildocs", "document", "add", "change", "choose")

ROLES = {
    "制片": {
        "page": ["add_page", "change_page", "lock_page"],
        "model": [ACCESS_ADMIN, *REFERENCE_LIBRARY_EDIT],
        "collection": MEDIA_EDIT,
    },
    "编辑": {
        "page": ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
        "model": [
            ACCESS_ADMIN,
            *REFERENCE_LIBRARY_EDIT,
            *model_perms("people", "person", "delete"),
            *model_perms("broadcasters", "broadcaster", "delete"),
            *model_perms("awards", "award", "delete"),
        ],
        "collection": MEDIA_EDIT
        + model_perms("wagtailimages", "image", "delete")
        + model_perms("wagtaildocs", "document", "delete"),
    },
    "审核专家": {"page": [], "model": [ACCESS_ADMIN], "collection": MEDIA_CHOOSE},
    "分发管理": {"page": [], "model": [ACCESS_ADMIN], "collection": MEDIA_CHOOSE},
}

# Review runs science first, then the editors' final approval publishes.
WORKFLOW_NAME = "百嘎丽发布审核"
WORKFLOW_TASKS = [("科学审核", "审核专家"), ("编辑终审", "编辑")]


def get_permission(apps, app_label, model, codename):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    # Permissions are normally created after migrations run; on a fresh
    # database they do not exist yet, so we create them the same way.
    content_type, _ = ContentType.objects.get_or_create(
        app_label=app_label, model=model
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=codename,
        defaults={"name": codename.replace("_", " ").capitalize()},
    )
    return permission


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model(
        "wagtailcore", "GroupCollectionPermission"
    )
    root_page = Page.objects.get(depth=1)
    root_collection = Collection.objects.get(depth=1)

    groups = {}
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        groups[name] = group
        for codename in grants["page"]:
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=root_page,
                permission=get_permission(apps, *page_perm(codename)),
            )
        for perm in grants["model"]:
            group.permissions.add(get_permission(apps, *perm))
        for perm in grants["collection"]:
            GroupCollectionPermission.objects.get_or_create(
                group=group,
                collection=root_collection,
                permission=get_permission(apps, *perm),
            )

    create_review_workflow(apps, groups, root_page)


def create_review_workflow(apps, groups, root_page):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    task_content_type, _ = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="groupapprovaltask"
    )
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    for order, (task_name, group_name) in enumerate(WORKFLOW_TASKS):
        task, _ = GroupApprovalTask.objects.get_or_create(
            name=task_name, defaults={"content_type": task_content_type}
        )
        task.groups.set([groups[group_name]])
        WorkflowTask.objects.get_or_create(
            workflow=workflow, task=task, defaults={"sort_order": order}
        )
    WorkflowPage.objects.update_or_create(
        page=root_page, defaults={"workflow": workflow}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("people", "0001_initial"),
        ("broadcasters", "0001_initial"),
        ("awards", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
