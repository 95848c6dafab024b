from django.core.management.base import BaseCommand

from cms.core.demo import demo_load


class Command(BaseCommand):
    help = "载入演示内容：百嘎丽的节目、短视频、音乐作品、人物与奖项（可重复运行）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-media",
            action="store_true",
            help="不生成和转码演示音视频（更快）",
        )

    def handle(self, *args, no_media: bool, **options):
        result = demo_load(with_media=not no_media)
        self.stdout.write(self.style.SUCCESS("演示内容已就绪。"))
        self.stdout.write(f"网站: {result.site_url}/")
        self.stdout.write(f"后台: {result.site_url}/admin/")
        self.stdout.write(f"账号: {result.admin_username}")
        if result.admin_password:
            self.stdout.write(
                f"密码: {result.admin_password}  ({result.password_source})"
            )
        else:
            self.stdout.write("密码: 未改动（设置 DEMO_ADMIN_PASSWORD 可重设）")
