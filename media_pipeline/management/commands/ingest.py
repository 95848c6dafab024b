from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Collection

from media_pipeline.errors import DuplicateMediaError
from media_pipeline.models import AssetStatus
from media_pipeline.services.ingest import asset_ingest


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
            # Said before the collection is looked up (asset_ingest checks too).
            raise CommandError(f"找不到文件：{path}")
        try:
            asset = asset_ingest(
                path=path,
                title=title,
                collection=self.collection(collection),
                wait=wait,
                worker="manage.py ingest --wait",
            )
        except DuplicateMediaError as error:
            raise CommandError(error.reason) from error
        self.stdout.write(str(asset.pk))
        if wait and asset.status != AssetStatus.READY:
            raise CommandError(f"处理失败：{asset.failure_reason}")

    def collection(self, name: str) -> Collection:
        if not name:
            return Collection.get_first_root_node()
        found = Collection.objects.filter(name=name).first()
        if found is None:
            raise CommandError(f"没有名为“{name}”的收藏集。")
        return found
