from django.core.management.base import BaseCommand, CommandError

from syndication.keys import partner_key_revoke
from syndication.models import PartnerKey


class Command(BaseCommand):
    help = "按前缀吊销一个合作方接口密钥，立即生效。"

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="密钥前缀，如 bgl_AbCd1234")

    def handle(self, *args, prefix, **options):
        keys = list(
            PartnerKey.objects.select_related("partner").filter(
                prefix=prefix, revoked_at__isnull=True
            )
        )
        if not keys:
            if PartnerKey.objects.filter(prefix=prefix).exists():
                raise CommandError(f"前缀为 {prefix} 的密钥已被吊销。")
            raise CommandError(f"没有前缀为 {prefix} 的密钥。")
        if len(keys) > 1:
            owners = "、".join(str(key.partner) for key in keys)
            raise CommandError(
                f"前缀 {prefix} 对应多个密钥（{owners}），请在后台逐个吊销。"
            )
        key = partner_key_revoke(key=keys[0])
        self.stdout.write(f"已吊销 {key.partner} 的密钥 {key.prefix}…")
