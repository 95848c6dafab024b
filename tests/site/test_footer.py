"""The footer from Wagtail's site settings: 主办单位, contact details, the
two 备案号 with their required look-up links, the WeChat QR, partners."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from lxml import html as lxml_html
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Site

from brand_assets.models import BrandLibraryPage
from cms.home.models import HomePage
from cms.site.models import FooterSettings, PartnerLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def footer(demo):
    settings = FooterSettings.for_site(Site.objects.get(is_default_site=True))
    settings.address = "内蒙古鄂尔多斯市康巴什区科技大厦"
    settings.telephone = "0477-8888888"
    settings.email = "kepu@example.cn"
    settings.icp_number = "蒙ICP备12345678号-1"
    settings.police_number = "蒙公网安备15060202000123号"
    settings.wechat_name = "百嘎丽科普"
    settings.wechat_qr = Image.objects.create(
        title="公众号二维码", file=get_test_image_file(size=(300, 300))
    )
    settings.full_clean()
    settings.save()
    PartnerLink.objects.create(
        settings=settings, name="科普中国", url="https://www.kepuchina.cn/"
    )
    return settings


def footer_of(url: str):
    response = Client().get(url)
    assert response.status_code == 200
    (footer,) = lxml_html.fromstring(response.content).xpath("//footer")
    return footer


def test_the_footer_shows_what_editors_set(footer):
    element = footer_of(HomePage.objects.get().url)
    text = element.text_content()
    for fact in (
        "鄂尔多斯市科学技术协会",
        footer.address,
        footer.telephone,
        footer.email,
    ):
        assert fact in text, fact
    links = {a.text_content().strip(): a.get("href") for a in element.iter("a")}
    assert links["蒙ICP备12345678号-1"] == "https://beian.miit.gov.cn/"
    police = links["蒙公网安备15060202000123号"]
    assert police.startswith("https://beian.mps.gov.cn/")
    assert police.endswith("code=15060202000123")
    assert links["kepu@example.cn"] == "mailto:kepu@example.cn"
    assert links["0477-8888888"] == "tel:0477-8888888"
    assert links["科普中国"] == "https://www.kepuchina.cn/"
    (qr,) = element.xpath('.//img[@alt="微信公众号二维码"]')
    assert qr.get("src")
    assert "百嘎丽科普" in text


def test_the_footer_is_on_views_that_are_not_pages(footer):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "蒙ICP备12345678号-1" in response.content.decode()


def test_an_empty_footer_still_names_the_host_and_leaves_out_the_rest(demo):
    element = footer_of(HomePage.objects.get().url)
    assert "主办单位：鄂尔多斯市科学技术协会" in element.text_content()
    assert not element.xpath(".//a[contains(@href, 'beian')]")
    assert not element.xpath(".//img")


def test_the_brand_page_links_to_the_contact_details(footer):
    page = BrandLibraryPage.objects.live().first()
    doc = lxml_html.fromstring(Client().get(page.url).content)
    links = doc.xpath('//a[contains(., "联系我们取得授权")]/@href')
    assert links and set(links) == {"#contact"}
    (contact,) = doc.xpath('//*[@id="contact"]')
    assert footer.telephone in contact.text_content()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("icp_number", "12345678", "ICP 备案号的格式"),
        ("police_number", "蒙公网安备123号", "公安备案号的格式"),
    ],
)
def test_malformed_numbers_are_refused_in_chinese(demo, field, value, message):
    settings = FooterSettings.for_site(Site.objects.get(is_default_site=True))
    setattr(settings, field, value)
    with pytest.raises(ValidationError) as refused:
        settings.full_clean()
    assert message in str(refused.value.message_dict[field])


def test_editors_reach_the_footer_settings_in_the_admin(client, demo, superuser):
    client.force_login(superuser)
    site = Site.objects.get(is_default_site=True)
    response = client.get(f"/admin/settings/site/footersettings/{site.pk}/")
    assert response.status_code == 200
    assert "ICP 备案号" in response.content.decode()


def test_the_association_in_structured_data_carries_the_contact_details(footer):
    import json

    doc = lxml_html.fromstring(Client().get(HomePage.objects.get().url).content)
    (script,) = doc.xpath('//script[@type="application/ld+json"]/text()')
    (org,) = [n for n in json.loads(script)["@graph"] if n["@type"] == "Organization"]
    assert (org["telephone"], org["email"]) == (footer.telephone, footer.email)
    assert org["address"] == footer.address
