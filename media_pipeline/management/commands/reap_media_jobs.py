import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand

from media_pipeline.services.jobs import jobs_reap


class Command(BaseCommand):
    help = "把工作进程已失联的转码任务重新排队（Celery beat 也会定期执行）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-after",
            type=int,
            default=settings.MEDIA_JOB_STALE_SECONDS,
            help="心跳超过多少秒未更新即视为失联（默认取 MEDIA_JOB_STALE_SECONDS）",
        )

    def handle(self, *args, stale_after: int, **options):
        requeued = jobs_reap(stale_after=dt.timedelta(seconds=stale_after))
        if requeued:
            ids = ", ".join(map(str, requeued))
            self.stdout.write(f"已重新排队 {len(requeued)} 个任务: {ids}")
        else:
            self.stdout.write("没有失联的任务。")
