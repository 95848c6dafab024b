"""``manage.py import_catalogue``: write the template, or check and import a
catalogue sheet with its media folder."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from wagtail.models import Collection

from cms.catalogue.checks import CheckReport, check_sheet
from cms.catalogue.media_root import MediaRootError, media_root_from
from cms.catalogue.models import RowOutcome, RowStatus
from cms.catalogue.progress import progress_bar
from cms.catalogue.reading import SheetError, read_sheet
from cms.catalogue.report import import_run_workbook
from cms.catalogue.services import (
    import_row_run,
    import_run_counts,
    import_run_dispatch,
    import_run_finish,
    import_run_pending,
    import_run_start,
)
from cms.catalogue.template import template_workbook


class Command(BaseCommand):
    help = "导入节目、短视频和音乐作品目录（Excel 或 CSV），或写出导入模板。"

    def add_arguments(self, parser):
        parser.add_argument("manifest", nargs="?", help="目录文件（.xlsx 或 .csv）")
        parser.add_argument("--template", metavar="OUT.xlsx", help="写出导入模板")
        parser.add_argument("--media-root", help="目录中文件路径的根目录")
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查，不写入任何内容"
        )
        parser.add_argument(
            "--publish", action="store_true", help="直接发布（默认存为草稿）"
        )
        parser.add_argument("--collection", default="", help="媒体放入的收藏集")
        parser.add_argument(
            "--report", metavar="OUT.xlsx", help="导入结束后写出逐行结果（Excel）"
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="交给后台任务（Celery）逐行导入，并在此显示进度",
        )
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help="与 --background 一起用：排入队列后立即返回",
        )

    def handle(self, *args, **options):
        if options["template"]:
            out = Path(options["template"])
            out.write_bytes(template_workbook())
            self.stdout.write(f"已写出导入模板：{out}")
            return
        if not options["manifest"]:
            raise CommandError("请给出目录文件，或用 --template 写出模板。")
        if not options["media_root"]:
            raise CommandError("请用 --media-root 给出媒体文件所在的根目录。")
        manifest = Path(options["manifest"])
        try:
            sheet = read_sheet(manifest.read_bytes(), filename=manifest.name)
            media_root = media_root_from(options["media_root"])
        except OSError as error:
            raise CommandError(f"无法读取目录文件：{error.strerror}") from None
        except (SheetError, MediaRootError) as error:
            raise CommandError(error.reason) from None

        try:
            report = check_sheet(sheet, media_root=media_root)
        finally:
            media_root.close()  # the subtitles and covers fetched from S3
        self._print_report(report)
        if not report.ok:
            raise CommandError(
                f"{len(report.refused_rows)} 行未通过检查，请按上面的提示改正后再导入。"
            )
        if options["dry_run"]:
            self.stdout.write(
                self.style.SUCCESS("检查通过，可以导入（未写入任何内容）。")
            )
            return
        self._import(
            report,
            sheet_name=manifest.name,
            root=media_root,
            publish=options["publish"],
            collection=options["collection"],
            background=options["background"],
            wait=not options["no_wait"],
            report_path=options["report"],
        )

    def _print_report(self, report: CheckReport) -> None:
        for problem in report.problems:
            self.stderr.write(str(problem))
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"提醒：{warning}"))
        refused = len(report.refused_rows)
        self.stdout.write(
            f"共 {report.total} 行：可导入 {report.total - refused} 行，"
            f"未通过 {refused} 行。"
        )

    def _collection(self, name: str) -> Collection | None:
        if not name:
            return None
        found = Collection.objects.filter(name=name).first()
        if found is None:
            raise CommandError(f"没有名为“{name}”的收藏集，请先在后台建好。")
        return found

    def _import(
        self,
        report,
        *,
        sheet_name,
        root,
        publish,
        collection,
        background,
        wait,
        report_path,
    ):
        run = import_run_start(
            report=report,
            sheet_name=sheet_name,
            media_root=root,
            publish=publish,
            collection=self._collection(collection),
        )
        if background:
            with transaction.atomic():
                queued = import_run_dispatch(run=run)
            self.stdout.write(f"已排入后台队列：{queued} 行（第 {run.pk} 次导入）。")
            if not wait:
                return
            self._follow(run)
        else:
            self._run_here(run)
        run = import_run_finish(run=run)
        if report_path:
            Path(report_path).write_bytes(import_run_workbook(run))
            self.stdout.write(f"已写出导入结果：{report_path}")
        self._print_outcome(run)

    def _run_here(self, run) -> None:
        pending = list(import_run_pending(run).values_list("pk", flat=True))
        total = run.rows.count()
        done_before = total - len(pending)
        for count, pk in enumerate(pending, start=done_before + 1):
            import_row_run(import_row_id=pk)
            self._progress(count, total)
        self._progress_end()

    def _follow(self, run, *, poll_seconds: float = 1.0) -> None:
        """Show the workers' progress until no row of the run is waiting."""
        total = run.rows.count()
        while True:
            counts = import_run_counts(run)
            self._progress(total - counts[RowStatus.WAITING], total)
            if not counts[RowStatus.WAITING]:
                break
            time.sleep(poll_seconds)
        self._progress_end()

    def _progress(self, done: int, total: int) -> None:
        ending = "\r" if self.stdout.isatty() else "\n"
        self.stdout.write(progress_bar(done, total), ending=ending)

    def _progress_end(self) -> None:
        if self.stdout.isatty():
            self.stdout.write("")

    def _print_outcome(self, run) -> None:
        rows = run.rows.order_by("sheet_row")
        for row in rows:
            if row.status == RowStatus.FAILED:
                self.stderr.write(f"第 {row.sheet_row} 行导入失败：{row.reason}")
            elif row.outcome == RowOutcome.UPDATED:
                changed = "、".join(row.changes)
                self.stdout.write(f"第 {row.sheet_row} 行已更新：{changed}")
        counts = {
            label: rows.filter(outcome=outcome, status=RowStatus.DONE).count()
            for outcome, label in RowOutcome.choices
        }
        failed = rows.filter(status=RowStatus.FAILED).count()
        summary = "，".join(f"{label} {n} 行" for label, n in counts.items())
        self.stdout.write(
            f"导入完成（第 {run.pk} 次导入）：{summary}，失败 {failed} 行。"
        )
        if failed:
            raise CommandError(f"{failed} 行导入失败，改正后用同一命令重新导入即可。")
