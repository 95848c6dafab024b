"""python manage.py import_asrun FILE --channel SLUG  (a station's as-run log)
python manage.py import_asrun FILE --network SLUG  (a screen operator's play log)"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ...asrun import asrun_import, asrun_missing
from ...models import AiringStatus, ScheduleChannel
from ...play_logs import play_log_importer


class Command(BaseCommand):
    help = "导入播出机构的播出记录（CSV 或 Excel），核对到播出表。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV（UTF-8 或 GB18030）或 .xlsx 文件")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--channel", help="频道的网址标识")
        target.add_argument("--network", help="户外屏幕网络的网址标识（播放记录）")

    def handle(self, *args, file, channel, network, **options):
        if network:
            return self.import_play_log(file, network)
        schedule_channel = ScheduleChannel.objects.filter(slug=channel).first()
        if schedule_channel is None:
            known = "、".join(ScheduleChannel.objects.values_list("slug", flat=True))
            raise CommandError(f"没有网址标识为“{channel}”的频道。已有：{known}")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            log = asrun_import(
                channel=schedule_channel.channel,
                file_name=path.name,
                content=path.read_bytes(),
            )
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from error
        lines = log.lines.select_related("airing")
        counts = dict.fromkeys(AiringStatus, 0)
        for line in lines:
            if line.airing:
                counts[line.airing.status] += 1
        missing = list(asrun_missing(log))
        unmatched = [line for line in lines if line.airing_id is None]
        self.stdout.write(
            f"{schedule_channel.channel} {log.first_day} 至 {log.last_day}："
            f"已播出 {counts[AiringStatus.AIRED]}，"
            f"延迟 {counts[AiringStatus.LATE]}，"
            f"播出不足 {counts[AiringStatus.SHORT]}，"
            f"未播出 {len(missing)}，未匹配的记录 {len(unmatched)} 行。"
        )
        for airing in missing:
            self.stdout.write(f"  未播出：{airing}")
        for line in unmatched:
            self.stdout.write(
                f"  未匹配：第 {line.line_number} 行 {line.title or line.house_number}"
            )

    def import_play_log(self, file, network):
        importer = play_log_importer()
        if importer is None:
            raise CommandError("没有安装户外屏幕应用，无法导入播放记录。")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            outcome = importer(
                network=network, file_name=path.name, content=path.read_bytes()
            )
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from error
        self.stdout.write(outcome.summary)
        for line in outcome.details:
            self.stdout.write(f"  {line}")
