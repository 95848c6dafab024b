from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Collection

from media_pipeline.errors import DuplicateMediaError
from media_pipeline.models import AssetStatus, MediaAsset
from media_pipeline.services.assets import asset_create_from_upload
from media_pipeline.services.jobs import job_request


class Command(BaseCommand):
    help = "把本地音视频文件收入媒体库，并转码（--wait 时在本进程内完成）。"

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--title", default="")
        parser.add_argument("--collection", default="", help="收藏集名称")
        parser.add_argument(
            "--wait",
            action="store_true",
            help="在本进程内完成转码，成功退出码 0，失败非 0 并给出原因",
        )

    def handle(self, *args, path: Path, title, collection, wait, **options):
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        target = self.collection(collection)
        try:
            asset = asset_create_from_upload(
                staged_path=path,
                filename=path.name,
                title=title,
                collection=target,
                start_processing=not wait,
            )
        except DuplicateMediaError as error:
            raise CommandError(error.reason) from error
        if wait:
            self.run_in_process(asset)
        self.stdout.write(str(asset.pk))

    def collection(self, name: str) -> Collection:
        if not name:
            return Collection.get_first_root_node()
        found = Collection.objects.filter(name=name).first()
        if found is None:
            raise CommandError(f"没有名为“{name}”的收藏集。")
        return found

    def run_in_process(self, asset: MediaAsset) -> None:
        from media_pipeline.pipeline import job_run

        job = job_request(asset=asset, dispatch=False)
        job_run(job_id=job.pk, worker="manage.py ingest --wait")
        asset.refresh_from_db()
        if asset.status != AssetStatus.READY:
            self.stdout.write(str(asset.pk))
            raise CommandError(f"处理失败：{asset.failure_reason}")
