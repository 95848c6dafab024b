"""The footer's facts, which editors keep in 设置 → 页脚与联系方式.

China's rules for a public website put the ICP 备案号 (linking to the MIIT
look-up, beian.miit.gov.cn) and the 公安备案号 (linking to the MPS look-up,
beian.mps.gov.cn) in its footer; the 主办单位 and how to reach it belong
there too, for the public and for schools and media asking for licences.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Orderable

from cms.core.models import DEFAULT_RIGHTS_HOLDER

ICP_LOOKUP_URL = "https://beian.miit.gov.cn/"
POLICE_LOOKUP_URL = "https://beian.mps.gov.cn/#/query/webSearch?code={code}"

#: 蒙ICP备12345678号 or 蒙ICP备12345678号-1
ICP_PATTERN = re.compile(r"^[\u4e00-\u9fa5]ICP备\d{6,10}号(-\d{1,3})?$")
#: 蒙公网安备15060202000123号
POLICE_PATTERN = re.compile(r"^[\u4e00-\u9fa5]公网安备\s?(\d{14})号$")


def validate_icp_number(value: str) -> None:
    if not ICP_PATTERN.match(value.strip()):
        raise ValidationError(
            _("ICP 备案号的格式应为“蒙ICP备12345678号”或“蒙ICP备12345678号-1”。")
        )


def validate_police_number(value: str) -> None:
    if not POLICE_PATTERN.match(value.strip()):
        raise ValidationError(
            _("公安备案号的格式应为“蒙公网安备15060202000123号”（14 位数字）。")
        )


@register_setting(icon="site")
class FooterSettings(ClusterableModel, BaseSiteSetting):
    host_organisation = models.CharField(
        _("主办单位"), max_length=200, default=DEFAULT_RIGHTS_HOLDER
    )
    address = models.CharField(_("联系地址"), max_length=300, blank=True)
    telephone = models.CharField(
        _("联系电话"), max_length=50, blank=True, help_text=_("例如：0477-8888888")
    )
    email = models.EmailField(_("电子邮箱"), blank=True)
    icp_number = models.CharField(
        _("ICP 备案号"),
        max_length=50,
        blank=True,
        validators=[validate_icp_number],
        help_text=_("例如：蒙ICP备12345678号-1；页脚链接到工信部备案查询。"),
    )
    police_number = models.CharField(
        _("公安备案号"),
        max_length=50,
        blank=True,
        validators=[validate_police_number],
        help_text=_("例如：蒙公网安备15060202000123号；页脚链接到公安备案查询。"),
    )
    wechat_name = models.CharField(_("微信公众号名称"), max_length=100, blank=True)
    wechat_qr = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("微信公众号二维码"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("host_organisation"),
        MultiFieldPanel(
            [FieldPanel("address"), FieldPanel("telephone"), FieldPanel("email")],
            heading=_("联系方式"),
        ),
        MultiFieldPanel(
            [FieldPanel("icp_number"), FieldPanel("police_number")],
            heading=_("备案信息"),
        ),
        MultiFieldPanel(
            [FieldPanel("wechat_name"), FieldPanel("wechat_qr")],
            heading=_("微信公众号"),
        ),
        InlinePanel("partner_links", label=_("合作平台"), heading=_("合作平台链接")),
    ]

    class Meta:
        verbose_name = _("页脚与联系方式")
        verbose_name_plural = _("页脚与联系方式")

    @property
    def has_contact(self) -> bool:
        return bool(self.address or self.telephone or self.email)

    @property
    def police_lookup_url(self) -> str:
        """The MPS look-up of the 公安备案号, found by its 14 digits."""
        match = POLICE_PATTERN.match(self.police_number.strip())
        code = match.group(1) if match else ""
        return POLICE_LOOKUP_URL.format(code=code)

    @property
    def icp_lookup_url(self) -> str:
        return ICP_LOOKUP_URL


class PartnerLink(Orderable):
    """A platform that carries the brand's work: 央视频, 科普中国, 云上科普."""

    settings = ParentalKey(
        FooterSettings, on_delete=models.CASCADE, related_name="partner_links"
    )
    name = models.CharField(_("平台名称"), max_length=100)
    url = models.URLField(_("链接"))

    panels = [FieldPanel("name"), FieldPanel("url")]

    class Meta(Orderable.Meta):
        verbose_name = _("合作平台")
        verbose_name_plural = _("合作平台")

    def __str__(self):
        return self.name
