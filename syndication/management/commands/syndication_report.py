"""Print the adoption report of a year, and optionally save it as Excel."""

from pathlib import Path

from django.core.management.base import BaseCommand

from syndication.reports import adoption_report, adoption_workbook


class Command(BaseCommand):
    help = "平台采用报表：按月、按年与按节目或系列的采用数，可导出 Excel。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="年份，默认为最近有采用的年份")
        parser.add_argument("--xlsx", type=Path, help="另存为 Excel 文件")

    def handle(self, *args, year=None, xlsx=None, **options):
        report = adoption_report(year=year)
        for sentence in report.sentences:
            self.stdout.write(sentence)
        names = [p.name for p in report.platforms]
        self.stdout.write("")
        self.stdout.write("\t".join(["月份", *names, "合计"]))
        for row in report.by_month:
            counts = [str(n) for n in row.counts]
            self.stdout.write("\t".join([row.label, *counts, str(row.total)]))
        if xlsx:
            xlsx.write_bytes(adoption_workbook(report))
            self.stdout.write(f"已保存 {xlsx}")
