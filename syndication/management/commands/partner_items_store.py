from django.core.management.base import BaseCommand

from syndication.stored_items import partner_items_store


class Command(BaseCommand):
    help = (
        "重新生成合作方接口的预存条目（部署后或批量改动后运行；"
        "平时由后台任务在每次变更后自动生成）。"
    )

    def handle(self, *args, **options):
        written = partner_items_store()
        self.stdout.write(f"已生成 {written} 个条目。")
