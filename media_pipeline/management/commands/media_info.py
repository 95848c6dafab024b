from django.core.management.base import BaseCommand, CommandError

from media_pipeline.info import asset_info, dumps
from media_pipeline.models import MediaAsset


class Command(BaseCommand):
    help = "显示媒体的状态、原始文件信息、响度与全部渲染文件。"

    def add_arguments(self, parser):
        parser.add_argument("asset_id", type=int)
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, asset_id, **options):
        asset = MediaAsset.objects.filter(pk=asset_id).first()
        if asset is None:
            raise CommandError(f"没有编号为 {asset_id} 的媒体。")
        info = asset_info(asset)
        if options["json"]:
            self.stdout.write(dumps(info))
            return
        for key, value in info.items():
            if key != "renditions":
                self.stdout.write(f"{key}: {value}")
        for rendition in info["renditions"]:
            self.stdout.write(
                "  {kind:12} {name} {size}B {width}x{height} {bitrate}bit/s".format(
                    **rendition
                )
            )
