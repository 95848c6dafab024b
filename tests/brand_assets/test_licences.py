"""Licences: the rules they are made under, what they grant on which day,
the admin that manages them, and licence links for schools without a key."""

from __future__ import annotations

import datetime as dt
import time
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from brand_assets.downloads import licence_link_token
from brand_assets.licences import (
    licence_create,
    licence_revoke,
    licence_status,
    licence_update,
    licences_in_force_for_partner,
    partner_may_download,
)
from brand_assets.models import (
    AssetDownload,
    DownloadVia,
    Licence,
    LicenseeKind,
    UsageScope,
)
from brand_assets.services import asset_version_create
from syndication.models import PartnerAccount, Platform

from .builders import (
    MARK_SVG,
    approved_version,
    brand_asset,
    partner_licence,
    png_bytes,
    stored_variant,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 1)


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def partner(db):
    return PartnerAccount.objects.create(
        name="科普中国品牌合作", platform=Platform.objects.get(slug="kepu-china")
    )


@pytest.fixture
def asset(db):
    return brand_asset(
        "百嘎丽标志（授权测试）",
        allowed_uses=[UsageScope.DIGITAL, UsageScope.PRINT, UsageScope.EDUCATION],
    )


def school_licence(asset, **fields) -> Licence:
    values = {
        "licensee_kind": LicenseeKind.SCHOOL,
        "licensee_name": "鄂尔多斯市第一中学",
        "uses": [UsageScope.EDUCATION],
        "starts_on": days(-1),
        "ends_on": days(10),
        **fields,
    }
    return licence_create(asset=asset, **values)


# --- the rules ----------------------------------------------------------------


def test_a_licence_for_uses_outside_the_assets_allowed_uses_is_refused(asset, partner):
    with pytest.raises(ValidationError) as refused:
        licence_create(
            asset=asset,
            partner=partner,
            licensee_name=partner.name,
            uses=[UsageScope.DIGITAL, UsageScope.OUTDOOR, UsageScope.MERCHANDISE],
            starts_on=TODAY,
            ends_on=TODAY + dt.timedelta(days=30),
        )
    assert refused.value.message_dict["uses"] == [
        "这些用途不在该资产允许的范围内：文创商品、户外屏幕"
    ]
    assert not Licence.objects.filter(asset=asset).exists()


def test_an_end_before_the_start_is_refused(asset, partner):
    with pytest.raises(ValidationError) as refused:
        licence_create(
            asset=asset,
            partner=partner,
            licensee_name=partner.name,
            uses=[UsageScope.DIGITAL],
            starts_on=TODAY,
            ends_on=TODAY - dt.timedelta(days=1),
        )
    assert refused.value.message_dict["ends_on"] == ["截止日期不能早于起始日期。"]


def test_a_partner_licence_needs_the_partner_and_some_use(asset):
    with pytest.raises(ValidationError) as refused:
        licence_create(
            asset=asset,
            licensee_kind=LicenseeKind.PARTNER,
            licensee_name="某平台",
            uses=[],
            starts_on=TODAY,
            ends_on=TODAY,
        )
    assert refused.value.message_dict == {
        "partner": ["授权给合作平台时须选择其合作方账号。"],
        "uses": ["请至少选择一种授权用途。"],
    }


def test_a_school_licence_needs_no_partner_and_records_its_creator(asset, superuser):
    licence = school_licence(asset, user=superuser)
    assert licence.pk and licence.partner is None
    assert licence.created_by == superuser
    assert licence_status(licence) == "in_force"


def test_an_update_is_validated_as_a_creation(asset, partner):
    licence = partner_licence(asset, partner)
    with pytest.raises(ValidationError):
        licence_update(licence=licence, uses=[UsageScope.OUTDOOR])
    licence.refresh_from_db()
    assert licence.uses == [UsageScope.DIGITAL]
    licence_update(licence=licence, uses=[UsageScope.PRINT], notes="改为印刷")
    licence.refresh_from_db()
    assert (licence.uses, licence.notes) == (["print"], "改为印刷")


# --- what a licence grants, day by day ----------------------------------------


def test_a_partner_may_download_only_within_the_licence_period(asset, partner):
    licence = partner_licence(
        asset,
        partner,
        starts_on=TODAY,
        ends_on=TODAY + dt.timedelta(days=30),
    )
    before, first, last, after = (
        TODAY - dt.timedelta(days=1),
        TODAY,
        TODAY + dt.timedelta(days=30),
        TODAY + dt.timedelta(days=31),
    )
    assert partner_may_download(partner, asset, on=before) is None
    assert partner_may_download(partner, asset, on=first) == licence
    assert partner_may_download(partner, asset.pk, on=last) == licence
    assert partner_may_download(partner, asset, on=after) is None
    assert list(licences_in_force_for_partner(partner, on=last)) == [licence]
    assert licence_status(licence, on=before) == "pending"
    assert licence_status(licence, on=after) == "ended"


def test_other_partners_schools_and_other_assets_grant_nothing(asset, partner):
    other = PartnerAccount.objects.create(
        name="云上科普品牌合作", platform=Platform.objects.get(slug="yunshang-kepu")
    )
    partner_licence(asset, other)
    school_licence(asset)
    other_asset = brand_asset("吉祥物（授权测试）")
    partner_licence(other_asset, partner)
    assert partner_may_download(partner, asset) is None
    assert partner_may_download(other, asset) is not None


def test_of_several_licences_the_longest_running_is_used(asset, partner):
    partner_licence(asset, partner, days_left=5)
    longer = partner_licence(asset, partner, days_left=50)
    assert partner_may_download(partner, asset) == longer


def test_revoking_ends_a_licence_at_once_and_keeps_the_first_time(
    asset, partner, superuser
):
    licence = partner_licence(asset, partner)
    licence_revoke(licence=licence, user=superuser)
    first = licence.revoked_at
    assert first is not None and licence_status(licence) == "revoked"
    assert partner_may_download(partner, asset) is None
    assert "由 root 撤销" in Licence.objects.get(pk=licence.pk).notes
    licence_revoke(licence=licence, user=superuser)
    assert Licence.objects.get(pk=licence.pk).revoked_at == first


def test_a_deactivated_partner_is_granted_nothing(asset, partner):
    partner_licence(asset, partner)
    partner.is_active = False
    partner.save()
    assert partner_may_download(partner, asset) is None


# --- licence links ------------------------------------------------------------


@pytest.fixture
def licensed_files(asset):
    """The asset approved with a PNG and an SVG, and a school's licence."""
    version = approved_version(asset)
    png = png_bytes(48, 48)
    variants = [
        stored_variant(version, "logo.png", png, width=48, height=48),
        stored_variant(
            version,
            "logo.svg",
            MARK_SVG,
            format="svg",
            content_type="image/svg+xml",
        ),
    ]
    return {
        "licence": school_licence(asset),
        "variants": variants,
        "data": [png, MARK_SVG],
    }


def link_for(licence, **kw) -> str:
    token, _ends = licence_link_token(licence, **kw)
    return reverse("brand_assets:licence_link", args=(token,))


def file_links(response) -> list[str]:
    html = response.content.decode()
    return [
        part.split('"', 1)[0]
        for part in html.split('href="')[1:]
        if "/files/" in part.split('"', 1)[0]
    ]


def get_file(client, url):
    response = client.get(url)
    body = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    return response.status_code, body, response


def test_a_licence_link_lists_the_approved_files_and_records_downloads(
    client, asset, licensed_files
):
    draft = asset_version_create(asset=asset)
    stored_variant(draft, "draft.png")
    licence = licensed_files["licence"]
    page = client.get(link_for(licence))
    assert page.status_code == 200
    html = page.content.decode()
    assert "鄂尔多斯市第一中学" in html and "校园教学" in html
    assert "draft.png" not in html  # never an unapproved version
    assert page["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page["Cache-Control"]
    links = file_links(page)
    assert len(links) == 2
    for url, data in zip(links, licensed_files["data"], strict=True):
        status, body, response = get_file(client, url)
        assert status == 200 and body == data
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Security-Policy"] == "default-src 'none'"
        assert response["X-Content-Type-Options"] == "nosniff"
    records = AssetDownload.objects.order_by("id")
    assert [(r.via, r.licence_id, r.partner_id, r.variant_id) for r in records] == [
        (DownloadVia.LICENCE_LINK, licence.pk, None, v.pk)
        for v in licensed_files["variants"]
    ]


def test_a_licence_link_works_until_the_licence_ends(client, licensed_files):
    licence = licensed_files["licence"]
    url = link_for(licence)
    file_url = file_links(client.get(url))[0]
    assert get_file(client, file_url)[0] == 200
    Licence.objects.filter(pk=licence.pk).update(ends_on=days(-1))
    page = client.get(url)
    assert page.status_code == 410 and "到期" in page.content.decode()
    status, _, response = get_file(client, file_url)
    assert status == 410 and "到期" in response.json()["detail"]
    assert AssetDownload.objects.count() == 1


def test_a_licence_link_stops_when_revoked(client, licensed_files):
    licence = licensed_files["licence"]
    url = link_for(licence)
    file_url = file_links(client.get(url))[0]
    licence_revoke(licence=licence)
    assert client.get(url).status_code == 410
    assert get_file(client, file_url)[0] == 410


def test_a_licence_link_ends_after_its_days_or_with_the_licence(client, licensed_files):
    licence = licensed_files["licence"]  # ends in 10 days
    token, ends_at = licence_link_token(licence, days=3)
    assert ends_at - timezone.now() == pytest.approx(
        dt.timedelta(days=3), abs=dt.timedelta(seconds=5)
    )
    _, long_end = licence_link_token(licence, days=300)
    assert timezone.localtime(long_end) == timezone.make_aware(
        dt.datetime.combine(licence.ends_on + dt.timedelta(days=1), dt.time.min)
    )
    url = reverse("brand_assets:licence_link", args=(token,))
    in_four_days = time.time() + 4 * 86400
    with mock.patch("brand_assets.downloads.time.time", return_value=in_four_days):
        page = client.get(url)
    assert page.status_code == 410 and "已过期" in page.content.decode()


def test_a_licence_link_cannot_be_forged_or_reach_other_assets(client, licensed_files):
    licence = licensed_files["licence"]
    url = link_for(licence)
    assert client.get(url[:-3] + "xx/").status_code == 403
    other = brand_asset("其他资产")
    foreign = stored_variant(approved_version(other), "other.png")
    token = url.rstrip("/").rsplit("/", 1)[1]
    foreign_url = reverse("brand_assets:licence_file", args=(token, foreign.pk))
    assert get_file(client, foreign_url)[0] == 410
    assert not AssetDownload.objects.exists()


# --- the admin ----------------------------------------------------------------


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_listing_filters_by_state_kind_and_asset(admin_client, asset, partner):
    partner_licence(asset, partner, licensee_name="有效的合作方")
    school_licence(
        asset, licensee_name="已到期的学校", starts_on=days(-30), ends_on=days(-1)
    )
    revoked = school_licence(asset, licensee_name="被撤销的学校")
    licence_revoke(licence=revoked)
    school_licence(
        asset, licensee_name="未开始的学校", starts_on=days(5), ends_on=days(9)
    )
    index = reverse("brand_licence:index")

    def names(**query) -> set[str]:
        html = admin_client.get(index, query).content.decode()
        return {
            name
            for name in ("有效的合作方", "已到期的学校", "被撤销的学校", "未开始的学校")
            if name in html
        }

    assert len(names()) == 4
    assert names(status="in_force") == {"有效的合作方"}
    assert names(status="ended") == {"已到期的学校"}
    assert names(status="revoked") == {"被撤销的学校"}
    assert names(status="pending") == {"未开始的学校"}
    assert names(licensee_kind="partner") == {"有效的合作方"}
    other = brand_asset("别的资产")
    assert names(asset=other.pk) == set()
    assert len(names(asset=asset.pk)) == 4


def form_data(asset, partner=None, **overrides) -> dict:
    data = {
        "asset": asset.pk,
        "licensee_kind": "partner" if partner else "school",
        "partner": partner.pk if partner else "",
        "licensee_name": "",
        "uses": ["digital", "print"],
        "starts_on": days(0).isoformat(),
        "ends_on": days(90).isoformat(),
        "attribution": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_creating_a_licence_in_the_admin(admin_client, asset, partner, superuser):
    add = reverse("brand_licence:add")
    page = admin_client.get(add)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="checkbox" name="uses" value="outdoor"' in html

    response = admin_client.post(add, form_data(asset, partner))
    assert response.status_code == 302
    licence = Licence.objects.get(asset=asset)
    assert licence.licensee_name == partner.name  # taken from the partner
    assert licence.uses == ["digital", "print"]
    assert licence.created_by == superuser


def test_the_admin_form_shows_the_models_reasons(admin_client, asset, partner):
    add = reverse("brand_licence:add")
    response = admin_client.post(
        add,
        form_data(
            asset,
            partner,
            uses=["digital", "outdoor"],
            ends_on=days(-5).isoformat(),
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "这些用途不在该资产允许的范围内：户外屏幕" in html
    assert "截止日期不能早于起始日期。" in html
    response = admin_client.post(add, form_data(asset, None, licensee_kind="partner"))
    assert "授权给合作平台时须选择其合作方账号。" in response.content.decode()
    response = admin_client.post(add, form_data(asset, None))
    assert "请填写被授权方的全称。" in response.content.decode()
    assert not Licence.objects.filter(asset=asset).exists()


def test_editing_revoking_and_making_a_link_in_the_admin(admin_client, licensed_files):
    licence = licensed_files["licence"]
    edit = reverse("brand_licence:edit", args=(licence.pk,))
    page = admin_client.get(edit)
    assert page.status_code == 200
    html = page.content.decode()
    assert "生成下载链接" in html and "撤销授权" in html

    response = admin_client.post(
        edit,
        form_data(
            licence.asset,
            None,
            licensee_name="鄂尔多斯市第一中学（东校区）",
            uses=["education"],
        ),
    )
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.licensee_name == "鄂尔多斯市第一中学（东校区）"

    link_page = reverse("brand_licence:link", args=(licence.pk,))
    assert admin_client.get(link_page).status_code == 200
    response = admin_client.post(link_page, {"days": 7})
    assert response.status_code == 200
    link = response.context["link"]
    assert link.startswith("http://testserver/brand/licences/")
    public = admin_client.get(link)
    assert public.status_code == 200 and "东校区" in public.content.decode()

    revoke = reverse("brand_licence:revoke", args=(licence.pk,))
    assert "确认撤销" in admin_client.get(revoke).content.decode()
    response = admin_client.post(revoke)
    assert response.status_code == 302
    assert any("已撤销授权" in m for m in messages_of(response))
    licence.refresh_from_db()
    assert licence.revoked_at is not None
    assert admin_client.get(link).status_code == 410
    response = admin_client.post(link_page, {"days": 7})
    assert "link" not in response.context or not response.context.get("link")
    assert "已撤销，不能生成下载链接" in response.content.decode()


def test_the_download_records_listing(admin_client, client, licensed_files):
    licence = licensed_files["licence"]
    file_url = file_links(client.get(link_for(licence)))[0]
    assert get_file(client, file_url)[0] == 200
    index = reverse("brand_download:index")
    html = admin_client.get(index).content.decode()
    assert "鄂尔多斯市第一中学" in html and "授权链接" in html and "logo.png" in html
    html = admin_client.get(index, {"via": "partner_api"}).content.decode()
    assert "logo.png" not in html
    html = admin_client.get(index, {"licence": licence.pk}).content.decode()
    assert "logo.png" in html
    # Read only: nothing to add or edit.
    with pytest.raises(NoReverseMatch):
        reverse("brand_download:add")


def test_editors_without_permission_cannot_manage_licences(client, editor, asset):
    licence = school_licence(asset)
    client.force_login(editor)
    for url in (
        reverse("brand_licence:revoke", args=(licence.pk,)),
        reverse("brand_licence:link", args=(licence.pk,)),
    ):
        response = client.post(url, {"days": 3})
        assert response.status_code in (302, 403)
    licence.refresh_from_db()
    assert licence.revoked_at is None
