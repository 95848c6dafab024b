"""``manage.py import_catalogue``: write the template, or check and import a
catalogue sheet with its media folder."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cms.catalogue.template import template_workbook


class Command(BaseCommand):
    help = "导入节目、短视频和音乐作品目录（Excel 或 CSV），或写出导入模板。"

    def add_arguments(self, parser):
        parser.add_argument("manifest", nargs="?", help="目录文件（.xlsx 或 .csv）")
        parser.add_argument("--template", metavar="OUT.xlsx", help="写出导入模板")

    def handle(self, *args, **options):
        if options["template"]:
            out = Path(options["template"])
            out.write_bytes(template_workbook())
            self.stdout.write(f"已写出导入模板：{out}")
            return
        raise CommandError("请给出目录文件，或用 --template 写出模板。")
