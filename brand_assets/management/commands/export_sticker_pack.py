"""manage.py export_sticker_pack ID OUT.zip [--version N]

Writes the upload-ready WeChat sticker album of brand asset ID, printing
each automatic fix; fails with the reasons when the album cannot be fixed.
"""

from django.core.management.base import BaseCommand, CommandError

from brand_assets.models import BrandAsset
from brand_assets.stickers import sticker_pack_export, sticker_pack_version
from brand_assets.stickers.spec import format_bytes


class Command(BaseCommand):
    help = "导出可直接上传微信表情开放平台的表情包（zip），并列出无法自动修正的问题。"

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Django's own --version (print Django's version) gives way to ours.
        return super().create_parser(
            prog_name, subcommand, conflict_handler="resolve", **kwargs
        )

    def add_arguments(self, parser):
        parser.add_argument("asset_id", type=int, help="品牌资产（表情包）的 ID")
        parser.add_argument("out", help="写入的 zip 文件路径")
        parser.add_argument(
            "--version",
            dest="number",
            type=int,
            help="版本号；默认用已审定的最新版本，没有则用最新版本",
        )

    def handle(self, *args, asset_id, out, number=None, **options):
        asset = BrandAsset.objects.filter(pk=asset_id).first()
        if asset is None:
            raise CommandError(f"没有 ID 为 {asset_id} 的品牌资产。")
        version = sticker_pack_version(asset, number)
        if version is None:
            raise CommandError(
                f"“{asset.name}”没有第 {number} 版。"
                if number is not None
                else f"“{asset.name}”还没有任何版本。"
            )
        state = "已审定" if version.is_approved else "未审定"
        self.stdout.write(f"表情包：{asset.name} 第 {version.number} 版（{state}）")

        result = sticker_pack_export(version, out)
        for problem in result.fixes:
            self.stdout.write(f"  已修正  {problem.message}")
        for problem in result.warnings:
            self.stdout.write(self.style.WARNING(f"  提醒    {problem.message}"))
        if not result.ok:
            reasons = "\n".join(f"  - {problem.message}" for problem in result.blockers)
            raise CommandError(
                f"表情包无法导出，有 {len(result.blockers)} 个问题不能自动修正：\n"
                f"{reasons}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"已写入 {result.path}（{len(result.files)} 张图片，"
                f"{format_bytes(len(result.data))}）"
            )
        )
