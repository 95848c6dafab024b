"""Writing a checked catalogue into the site.

A run is started once (``import_run_start``): it records each row under its
stable key and makes, one after another, what rows share (programmes and
series, channels, people), so rows imported side by side by several workers
never race to create the same programme. Each row is then imported on its
own (``import_row_run``), in one transaction: its page (created, or updated
with a new revision), its media through the normal ingest (the same bytes
reuse the asset already in the library), subtitles, cover and historical
adoptions. A row whose cells and files are as last imported changes nothing,
so the same command resumes an interrupted run and repeats a finished one
harmlessly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models, transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from wagtail.images import get_image_model
from wagtail.models import Collection, Page
from wagtail.utils.file import hash_filelike

from cms.broadcasters.models import Broadcaster, Channel, Medium
from cms.core.slugs import page_slug
from cms.people.models import Person
from media_pipeline.errors import DuplicateMediaError, MediaError
from media_pipeline.services.ingest import asset_ingest
from media_pipeline.services.subtitles import subtitle_track_add
from media_pipeline.subtitles import SubtitleError

from .adoptions import adoption_recorder
from .checks import CatalogueRow, CheckReport
from .kinds import CatalogueKind
from .media_root import LocalMediaRoot, MediaRootError, media_root_from
from .models import ImportRow, ImportRun, RowOutcome, RowStatus, RunStatus

logger = logging.getLogger(__name__)

#: What a row may fail with and still leave the run going: each carries a
#: reason an editor can act on. Anything else is a bug, and stops the run
#: with the row still waiting, to be resumed once fixed.
ROW_ERRORS = (MediaError, SubtitleError, MediaRootError, ValidationError)


def import_run_start(
    *,
    report: CheckReport,
    sheet_name: str,
    media_root: LocalMediaRoot,
    publish: bool = False,
    collection: Collection | None = None,
    user=None,
) -> ImportRun:
    """Record a run of the checked rows of ``report`` and begin it."""
    run = import_run_create(
        report=report,
        sheet_name=sheet_name,
        media_root=media_root,
        publish=publish,
        collection=collection,
        user=user,
    )
    return import_run_begin(run=run)


def import_run_create(
    *,
    report: CheckReport,
    sheet_name: str,
    media_root: LocalMediaRoot,
    publish: bool = False,
    collection: Collection | None = None,
    user=None,
) -> ImportRun:
    """Keep a dry run's report (problems, reminders, the rows that passed)
    as a run not begun yet: the admin shows it, then begins it."""
    return ImportRun.objects.create(
        sheet_name=sheet_name[:255],
        media_root=str(media_root),
        publish=publish,
        collection_name=collection.name if collection else "",
        status=RunStatus.CHECKED,
        started_by=user,
        checked_rows=[row.to_data() for row in report.rows],
        problems=[
            {"row": p.row, "column": p.column, "message": p.message}
            for p in report.problems
        ],
        warnings=list(report.warnings),
        row_total=report.total,
    )


def import_run_begin(*, run: ImportRun) -> ImportRun:
    """Record each checked row of ``run`` under its key, waiting, and make
    what rows share. Refused when the dry run found problems."""
    if run.problems:
        raise ValidationError(_("目录中还有未通过检查的行，请改正后重新上传。"))
    rows = [CatalogueRow.from_data(data) for data in run.checked_rows]
    with transaction.atomic():
        run.status = RunStatus.RUNNING
        run.save(update_fields=["status"])
        for row in rows:
            ImportRow.objects.update_or_create(
                key=row.key,
                defaults={
                    "run": run,
                    "sheet_row": row.sheet_row,
                    "data": row.to_data(),
                    "status": RowStatus.WAITING,
                    "reason": "",
                },
            )
    # What rows share, made once, in order, before any row runs.
    for row in rows:
        with transaction.atomic():
            if row.kind.parent_model is not None:
                parent_for(row, publish=run.publish, user=run.started_by)
            if row.channel:
                channel_for(row.channel)
            for _role, name in row.credits:
                person_for(name)
    return run


def import_run_pending(run: ImportRun):
    """The run's rows not done yet, in sheet order."""
    return run.rows.exclude(status=RowStatus.DONE).order_by("sheet_row")


def import_run_dispatch(*, run: ImportRun, row_ids: list[int] | None = None) -> int:
    """Queue the run's pending rows (or those of ``row_ids``) for the workers,
    once this transaction commits; the number queued."""
    from .tasks import import_catalogue_row

    if row_ids is None:
        row_ids = list(import_run_pending(run).values_list("pk", flat=True))
    for pk in row_ids:
        transaction.on_commit(
            lambda pk=pk: import_catalogue_row.apply_async(args=(pk,), queue="default")
        )
    return len(row_ids)


def import_run_retry_failed(*, run: ImportRun) -> int:
    """Put the run's failed rows back to waiting (their reasons cleared) and
    queue them again; the number retried."""
    with transaction.atomic():
        failed = run.rows.select_for_update().filter(status=RowStatus.FAILED)
        row_ids = list(failed.values_list("pk", flat=True))
        if not row_ids:
            return 0
        run.rows.filter(pk__in=row_ids).update(status=RowStatus.WAITING, reason="")
        ImportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.RUNNING, finished_at=None
        )
        return import_run_dispatch(run=run, row_ids=row_ids)


def import_run_counts(run: ImportRun) -> dict[str, int]:
    """Rows done, failed and waiting."""
    counts = dict.fromkeys(RowStatus.values, 0)
    for row in run.rows.values("status").annotate(n=models.Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def import_run_finish(*, run: ImportRun) -> ImportRun:
    """Close the run once no row is waiting: finished, or failed rows left."""
    rows = run.rows.all()
    if rows.filter(status=RowStatus.WAITING).exists():
        return run
    failed = rows.filter(status=RowStatus.FAILED).exists()
    run.status = RunStatus.FAILED if failed else RunStatus.FINISHED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    return run


def import_row_run(*, import_row_id: int) -> ImportRow:
    """Import one row; a refusal of its content fails the row with the reason."""
    with transaction.atomic():
        import_row = (
            ImportRow.objects.select_for_update()
            .select_related("run")
            .get(pk=import_row_id)
        )
        try:
            with transaction.atomic():
                _import_row(import_row)
        except ROW_ERRORS as error:
            import_row.refresh_from_db()
            import_row.status = RowStatus.FAILED
            import_row.reason = _reason(error)
            import_row.save(update_fields=["status", "reason", "updated_at"])
            logger.info(
                "Catalogue row %s failed: %s", import_row.key, import_row.reason
            )
        return import_row


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return getattr(error, "reason", None) or str(error)


def _import_row(import_row: ImportRow) -> None:
    run = import_row.run
    row = CatalogueRow.from_data(import_row.data)
    media_root = media_root_from(run.media_root)
    try:
        _import_row_from(import_row, row, media_root)
    finally:
        media_root.close()


def _import_row_from(import_row: ImportRow, row: CatalogueRow, media_root) -> None:
    run = import_row.run
    fingerprint = _fingerprint(row, media_root)
    page = import_row.page.specific if import_row.page_id else None
    if page is not None and import_row.fingerprint == fingerprint:
        _row_done(import_row, outcome=RowOutcome.UNCHANGED, changes=[])
        return

    kind = row.kind
    parent = parent_for(row, publish=run.publish, user=run.started_by)
    asset = _asset_for(row, media_root, collection_name=run.collection_name)
    if page is None:
        page = _existing_page(kind, parent, row)
    created = page is None
    page = kind.page_model() if created else page.get_latest_revision_as_object()
    changes = _apply(page, row, asset=asset, media_root=media_root, run=run)

    if created:
        page.slug = page_slug(row.title, parent=parent)
        page.live = False
        parent.add_child(instance=page)
    if created or changes:
        page.full_clean()
        revision = page.save_revision(user=run.started_by, log_action=True)
        if run.publish:
            revision.publish(user=run.started_by)

    if row.subtitles:
        path = media_root.local_path(row.subtitles)
        with open(path, "rb") as source:
            subtitle_track_add(
                asset=asset, source=source, filename=path.name, language="zh-Hans"
            )
    if _record_adoptions(page, row):
        changes.append("平台采用")

    import_row.page = page
    import_row.asset = asset
    import_row.fingerprint = fingerprint
    if created:
        _row_done(import_row, outcome=RowOutcome.CREATED, changes=[])
    else:
        outcome = RowOutcome.UPDATED if changes else RowOutcome.UNCHANGED
        _row_done(import_row, outcome=outcome, changes=changes)


def _row_done(import_row: ImportRow, *, outcome: str, changes: list[str]) -> None:
    import_row.status = RowStatus.DONE
    import_row.outcome = outcome
    import_row.changes = changes
    import_row.reason = ""
    import_row.save()


def _fingerprint(row: CatalogueRow, media_root: LocalMediaRoot) -> str:
    """The row's cells and the size and time of its files: a file replaced
    under the same name is a changed row."""
    digest = hashlib.sha256(row.cells_fingerprint().encode())
    for relative in (row.media, row.subtitles, row.cover):
        if relative:
            digest.update(f"|{relative}:{media_root.signature(relative)}".encode())
    return digest.hexdigest()


# --- What rows share ---------------------------------------------------------


def parent_for(row: CatalogueRow, *, publish: bool, user=None) -> Page:
    """The programme or series named in 所属, made (a draft unless
    ``publish``) when the site has none; for music, the library page."""
    kind = row.kind
    index = kind.index_model.objects.order_by("path").first()
    if kind.parent_model is None:
        return index
    found = (
        kind.parent_model.objects.filter(title=row.parent_title)
        .order_by("path")
        .first()
    )
    if found is not None:
        return found
    parent = kind.parent_model(
        title=row.parent_title,
        slug=page_slug(row.parent_title, parent=index),
        live=False,
    )
    index.add_child(instance=parent)
    revision = parent.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
    logger.warning("Catalogue import created %s", parent)
    return parent


def channel_for(name: str) -> Channel:
    """The channel of that name; a new one is filed under a broadcaster of
    the same name, radio when its name says 广播, else TV (editable after)."""
    found = Channel.objects.filter(name=name).order_by("pk").first()
    if found is not None:
        return found
    broadcaster, _created = Broadcaster.objects.get_or_create(name=name)
    medium = Medium.RADIO if "广播" in name else Medium.TV
    return Channel.objects.create(broadcaster=broadcaster, name=name, medium=medium)


def person_for(name: str) -> Person:
    found = Person.objects.filter(name=name).order_by("pk").first()
    return found or Person.objects.create(name=name)


# --- One row's page ------------------------------------------------------------


def _existing_page(kind: CatalogueKind, parent: Page, row: CatalogueRow):
    """A page already under ``parent`` that this row describes (typed in by
    hand before the import): the same number, or for music the same title."""
    pages = kind.page_model.objects.child_of(parent)
    if kind.number_field:
        return pages.filter(**{kind.number_field: row.number}).first()
    return pages.filter(title=row.title).first()


def _asset_for(row: CatalogueRow, media_root: LocalMediaRoot, *, collection_name):
    """The row's media in the library: ingested, or the asset that already
    holds the same bytes (from an earlier row, run or upload)."""
    path = media_root.local_path(row.media)
    collection = (
        Collection.objects.filter(name=collection_name).first()
        if collection_name
        else None
    )
    try:
        return asset_ingest(
            path=path, title=row.title, collection=collection, wait=False
        )
    except DuplicateMediaError as error:
        return error.existing


def _cover_for(row: CatalogueRow, media_root: LocalMediaRoot, *, collection_name):
    Image = get_image_model()
    path = media_root.local_path(row.cover)
    with open(path, "rb") as stream:
        file_hash = hash_filelike(stream)
    found = Image.objects.filter(file_hash=file_hash).order_by("pk").first()
    if found is not None:
        return found
    collection = Collection.objects.filter(name=collection_name).first()
    with open(path, "rb") as stream:
        image = Image(
            title=_("%(title)s 封面") % {"title": row.title},
            file=File(stream, name=path.name),
            collection=collection or Collection.get_first_root_node(),
        )
        image._set_image_file_metadata()
        image.save()
    return image


def _summary_value(kind: CatalogueKind, text: str) -> str:
    deliverable = kind.deliverable
    if text and deliverable.summary_is_rich_text:
        return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line)
    return text


def _date_values(kind: CatalogueKind, row: CatalogueRow) -> dict:
    if row.first_date is None:
        return {}
    if kind.page_model.__name__ == "EpisodePage":
        at = dt.datetime.combine(row.first_date, row.first_time or dt.time(0))
        return {"air_at": timezone.make_aware(at)}
    if kind.page_model.__name__ == "ShortVideoPage":
        return {"release_date": row.first_date}
    return {"year": row.first_date.year}


def _apply(page, row: CatalogueRow, *, asset, media_root, run) -> list[str]:
    """Set the row's values on ``page``; the columns whose values changed."""
    kind = row.kind
    deliverable = kind.deliverable
    values: list[tuple[str, str, object]] = [("标题", "title", row.title)]
    if kind.number_field:
        values.append(("期数", kind.number_field, row.number))
    values += [("首播日期", name, v) for name, v in _date_values(kind, row).items()]
    values.append(
        ("简介", deliverable.summary_field, _summary_value(kind, row.summary))
    )
    if row.producing_unit:
        values.append(("出品单位", "producing_unit", row.producing_unit))
    if row.rights_holder:
        values.append(("版权方", "rights_holder", row.rights_holder))
    values.append(("媒体文件", f"{deliverable.media_field}_id", asset.pk))
    if row.music_form:
        values.append(("音乐形式", "form", row.music_form))
    if row.channel and hasattr(page, "channel_id"):
        values.append(("频道", "channel_id", channel_for(row.channel).pk))
    if row.cover:
        cover = _cover_for(row, media_root, collection_name=run.collection_name)
        values.append(("封面", "cover_id", cover.pk))

    changes = []
    for column, attribute, value in values:
        if getattr(page, attribute) != value:
            setattr(page, attribute, value)
            if column not in changes:
                changes.append(column)

    credit_model = kind.credit_model
    wanted = [(role, person_for(name).pk) for role, name in row.credits]
    relation = getattr(page, deliverable.credits_relation)
    current = [(credit.role, credit.person_id) for credit in relation.all()]
    if page.pk is None or current != wanted:
        setattr(
            page,
            deliverable.credits_relation,
            [credit_model(role=role, person_id=pk) for role, pk in wanted],
        )
        if current != wanted:
            changes.append("主创")

    if deliverable.topics_field:
        topics = getattr(page, deliverable.topics_field)
        current_topics = sorted(tag.name for tag in topics.all())
        if current_topics != sorted(row.topics):
            topics.set(row.topics)
            changes.append("话题")
    return changes


def _record_adoptions(page, row: CatalogueRow) -> bool:
    if not row.adoptions:
        return False
    recorder = adoption_recorder()
    changed = False
    for platform_name, adopted_on in row.adoptions:
        changed |= recorder.record(
            page=page, platform_name=platform_name, adopted_on=adopted_on
        )
    return changed
