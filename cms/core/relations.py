"""Reading a page's child relations (its InlinePanel rows) for templates.

A page is rendered in three states: live (loaded from the database), as a
revision (``Revision.as_object()``, for 查看草稿 and the reviewer's 预览) and
unsaved (the editor's form, in the preview panel). modelcluster gives the
last two their child rows in memory: ``page.credits.all()`` is then a
``FakeQuerySet``, which has none of a model's custom QuerySet methods and
cannot join in SQL. So templates never call QuerySet methods on a child
relation; pages hand them rows read through ``child_rows``, which works in
all three states.
"""

from django.db.models import prefetch_related_objects


def child_rows(relation, *related: str) -> list:
    """The rows of a child relation in their order, with ``related`` loaded.

    ``related`` are lookups through foreign keys (``"person__photo"``). They
    are loaded in one query per lookup, whether the rows came from the
    database (live page) or from memory (revision, unsaved page): Django's
    ``prefetch_related_objects`` follows a foreign key from its id, which an
    in-memory row has as well.
    """
    rows = list(relation.all())
    if related:
        prefetch_related_objects(rows, *related)
    return rows
