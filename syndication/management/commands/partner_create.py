from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from syndication.keys import partner_key_create
from syndication.models import PartnerAccount, Platform


class Command(BaseCommand):
    help = (
        "创建合作方（已存在则沿用）并为其生成一个新的接口密钥。"
        "密钥只显示这一次，打印在最后一行。"
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="合作方名称")
        parser.add_argument(
            "--platform", required=True, help="所属平台的标识（slug），如 kepu-china"
        )

    @transaction.atomic
    def handle(self, *args, name, platform, **options):
        target = Platform.objects.filter(slug=platform).first()
        if target is None:
            known = "、".join(Platform.objects.values_list("slug", flat=True))
            raise CommandError(f"没有标识为 {platform} 的平台。现有平台：{known}")
        partner, created = PartnerAccount.objects.get_or_create(
            name=name, defaults={"platform": target}
        )
        if partner.platform_id != target.pk:
            raise CommandError(
                f"合作方“{name}”已属于平台“{partner.platform}”，不能再用于“{target}”。"
            )
        key, plaintext = partner_key_create(partner=partner)
        action = "已创建合作方" if created else "已有合作方"
        self.stdout.write(f"{action}：{partner.name}（平台：{target.name}）")
        if not partner.is_active:
            self.stdout.write("注意：该合作方已停用，启用前密钥会被拒绝（403）。")
        self.stdout.write(f"密钥前缀：{key.prefix}（请妥善保存下面的密钥，只显示一次）")
        self.stdout.write(plaintext)
