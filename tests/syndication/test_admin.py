"""The 分发 admin, as a syndication manager uses it: the ledger with its
filters and bulk actions, a delivery's page and its moves, new deliveries,
the report and its export, platforms, profiles, partners and fetches. An
illegal move gets a Chinese message, never a server error."""

import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import Page

from cms.programmes.models import ProgramPage
from syndication.demo import demo_syndication
from syndication.models import (
    Delivery,
    DeliveryMethod,
    DeliveryProfile,
    DeliveryState,
    PartnerAccount,
    Platform,
)
from syndication.packages import package_build

from .builders import (
    build_asset,
    delivery_profile,
    good_delivery,
    make_manager,
    platform,
    private_storage,
    short_video,
)

pytestmark = pytest.mark.django_db
S = DeliveryState
INDEX = "syndication_deliveries:index"


@pytest.fixture
def manager(db):
    return make_manager()


@pytest.fixture
def ledger(demo):
    demo_syndication()
    return Delivery.objects.all()


@pytest.fixture
def client_as(client, manager):
    client.force_login(manager)
    return client


def messages_of(response) -> list[str]:
    """The messages this request added (earlier ones wait in the cookie
    until a page shows them)."""
    storage = get_messages(response.wsgi_request)
    return [str(m) for m in storage._queued_messages]


def test_the_menu_and_every_page_render_for_a_manager(client_as, ledger):
    home = client_as.get(reverse("wagtailadmin_home"))
    assert home.status_code == 200
    # The sidebar is drawn from JSON, where Chinese is \u-escaped.
    menu = home.content.decode()
    assert "\\u5206\\u53d1" in menu  # 分发
    assert reverse(INDEX) in menu and reverse("syndication_reports:index") in menu
    delivery = ledger.get(
        page__title="库布其沙漠的绿色奇迹", platform__slug="yangshipin"
    )
    pages = [
        reverse(INDEX),
        reverse("syndication_deliveries:index_results"),
        reverse("syndication_deliveries:inspect", args=(delivery.pk,)),
        reverse("syndication_deliveries:add"),
        reverse("syndication_deliveries:edit", args=(delivery.pk,)),
        reverse("syndication_reports:index"),
        reverse("syndication_platforms:index"),
        reverse("syndication_profiles:index"),
        reverse("syndication_profiles:add"),
        reverse(
            "syndication_profiles:edit",
            args=(DeliveryProfile.objects.order_by("pk").first().pk,),
        ),
        reverse("syndication_partners:index"),
        reverse("syndication_fetches:index"),
    ]
    for url in pages:
        response = client_as.get(url)
        assert response.status_code == 200, url


def test_the_ledger_lists_filters_and_searches(client_as, ledger):
    response = client_as.get(reverse(INDEX))
    body = response.content.decode()
    assert "库布其沙漠的绿色奇迹" in body
    assert 'name="ids"' in body and "syndication-bulk-form" in body

    yangshipin = platform("yangshipin")
    only = client_as.get(reverse(INDEX), {"platform": yangshipin.pk})
    titles = {d.page.title for d in only.context["object_list"]}
    assert titles == {d.page.title for d in ledger.filter(platform=yangshipin)}

    adopted = client_as.get(reverse(INDEX), {"state": [S.ADOPTED, S.REJECTED]})
    assert {d.state for d in adopted.context["object_list"]} == {S.ADOPTED, S.REJECTED}

    programme = ProgramPage.objects.get(title="百嘎丽科普开讲")
    grouped = client_as.get(reverse(INDEX), {"group": programme.pk})
    pages = {d.page_id for d in grouped.context["object_list"]}
    assert pages and pages <= set(programme.get_children().values_list("pk", flat=True))

    found = client_as.get(reverse(INDEX), {"q": "古如歌"})
    assert {d.page.title for d in found.context["object_list"]} == {"鄂尔多斯古如歌"}


def test_the_out_of_date_filter_and_flag(client_as, ledger):
    delivery = ledger.filter(state=S.ADOPTED).order_by("pk").first()
    page = delivery.page.specific
    page.save_revision().publish()

    stale = client_as.get(reverse(INDEX), {"out_of_date": "yes"})
    # Every platform that has this page now has an old version of it.
    out = ledger.filter(page=page, state__in=[S.DELIVERED, S.RECEIVED, S.ADOPTED])
    assert delivery in out
    assert {d.pk for d in stale.context["object_list"]} == {d.pk for d in out}
    assert "已更新，待重新交付" in stale.content.decode()
    fresh = client_as.get(reverse(INDEX), {"out_of_date": "no"})
    assert delivery.pk not in {d.pk for d in fresh.context["object_list"]}

    detail = client_as.get(
        reverse("syndication_deliveries:inspect", args=(delivery.pk,))
    )
    body = detail.content.decode()
    assert "页面或媒体已有更新" in body
    assert reverse("syndication_deliveries:redeliver", args=(delivery.pk,)) in body


def test_the_delivery_page_shows_state_findings_history_and_moves(client_as, ledger):
    failed = ledger.filter(state=S.QC_FAILED).first()
    body = client_as.get(
        reverse("syndication_deliveries:inspect", args=(failed.pk,))
    ).content.decode()
    assert "质检未通过" in body
    for finding in failed.qc_report:
        if finding["severity"] == "error":
            assert finding["message"] in body
    assert "运行质检" in body

    adopted = ledger.get(
        page__title="库布其沙漠的绿色奇迹", platform__slug="yangshipin"
    )
    body = client_as.get(
        reverse("syndication_deliveries:inspect", args=(adopted.pk,))
    ).content.decode()
    assert "已采用" in body and "YSP-2024-0315" in body
    assert "导入 2024 年手工分发台账" in body  # the history, with its reason
    assert "已收到 → 已采用" not in body  # labels come from the model
    assert "平台已接收 → 已采用" in body
    assert "系统" in body
    for label in ("撤回", "标记为已过期"):
        assert label in body
    assert "记录采用" not in body  # not a move from adopted


def test_an_illegal_move_gets_a_chinese_message_not_a_500(client_as, ledger):
    draft = good_delivery()
    url = reverse("syndication_deliveries:act", args=(draft.pk,))
    back = reverse("syndication_deliveries:inspect", args=(draft.pk,))

    response = client_as.post(url, {"to_state": S.ADOPTED, "reason": "越级"})
    assert response.status_code == 302 and response.url == back
    assert messages_of(response) == ["操作未执行：不能从“草稿”变为“已采用”。"]

    response = client_as.post(url, {"to_state": S.READY})
    assert "只能通过质检进入" in messages_of(response)[0]

    response = client_as.post(url, {"to_state": "launched"})
    assert response.status_code == 302
    assert "未知的操作" in messages_of(response)[0]

    response = client_as.post(url, {"to_state": S.WITHDRAWN})
    assert messages_of(response) == ["操作未执行：请填写原因。"]

    draft.refresh_from_db()
    assert draft.state == S.DRAFT
    assert draft.events.count() == 1

    followed = client_as.post(url, {"to_state": S.ADOPTED}, follow=True)
    assert followed.status_code == 200
    assert "不能从“草稿”变为“已采用”" in followed.content.decode()


def test_qc_then_deliver_then_adopt_through_the_forms(client_as, manager, demo):
    delivery = good_delivery()
    response = client_as.post(reverse("syndication_deliveries:qc", args=(delivery.pk,)))
    assert messages_of(response) == ["质检通过，可以交付。"]
    act = reverse("syndication_deliveries:act", args=(delivery.pk,))
    client_as.post(act, {"to_state": S.DELIVERED, "reason": "已推送"})
    response = client_as.post(
        act,
        {
            "to_state": S.ADOPTED,
            "adopted_on": "2024-07-01",
            "platform_item_id": "KPZG-7",
            "platform_url": "https://www.kepuchina.cn/article/7",
        },
    )
    assert messages_of(response) == ["已变为“已采用”。"]
    delivery.refresh_from_db()
    assert delivery.state == S.ADOPTED
    assert str(delivery.adopted_on) == "2024-07-01"
    assert delivery.platform_item_id == "KPZG-7"
    assert delivery.events.last().actor == manager

    response = client_as.post(act, {"to_state": S.EXPIRED, "platform_url": "bad"})
    assert messages_of(response)[0].startswith("操作未执行：平台链接")


def test_qc_on_a_delivered_item_is_refused_in_chinese(client_as, ledger):
    delivered = ledger.filter(state=S.DELIVERED).first()
    response = client_as.post(
        reverse("syndication_deliveries:qc", args=(delivered.pk,))
    )
    assert response.status_code == 302
    assert "不能在“已交付”状态下运行质检" in messages_of(response)[0]


def test_redeliver_refused_by_qc_lists_the_reasons(client_as, ledger):
    delivery = ledger.filter(state=S.WITHDRAWN).first()  # demo pages have no media
    response = client_as.post(
        reverse("syndication_deliveries:redeliver", args=(delivery.pk,))
    )
    shown = messages_of(response)
    assert shown[0].startswith("未重新交付：质检未通过")
    assert any("没有关联音视频" in m for m in shown)
    delivery.refresh_from_db()
    assert delivery.state == S.WITHDRAWN


def test_bulk_actions_do_what_they_can_and_name_the_rest(client_as, demo):
    ready = good_delivery()
    client_as.post(reverse("syndication_deliveries:qc", args=(ready.pk,)))
    draft = good_delivery()
    response = client_as.post(
        reverse("syndication_deliveries:bulk"),
        {"ids": [ready.pk, draft.pk], "action": "deliver", "next": reverse(INDEX)},
    )
    assert response.status_code == 302
    shown = messages_of(response)
    assert "标记为已交付：1 条已处理。" in shown
    assert (
        f"1 条未处理：不能从“草稿”变为“已交付”。（《{draft.page.title}》→ 科普中国）"
        in shown
    )
    ready.refresh_from_db()
    assert ready.state == S.DELIVERED

    response = client_as.post(
        reverse("syndication_deliveries:bulk"),
        {"ids": [ready.pk], "action": "withdraw"},
    )
    assert messages_of(response) == ["撤回需要填写原因。"]
    response = client_as.post(
        reverse("syndication_deliveries:bulk"),
        {"ids": [ready.pk, draft.pk], "action": "qc"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == S.READY
    response = client_as.post(reverse("syndication_deliveries:bulk"), {"action": "qc"})
    assert messages_of(response) == ["请先勾选要处理的交付。"]


def test_a_new_delivery_from_a_page_and_profiles(client_as, demo):
    page = short_video("新建交付测试", asset=build_asset())
    profile = delivery_profile(platform("yunshang-kepu"))
    add = reverse("syndication_deliveries:add")

    form = client_as.get(add, {"page": page.pk})
    assert form.status_code == 200
    assert "新建交付" in form.content.decode()

    response = client_as.post(
        add, {"page": page.pk, "profiles": [profile.pk], "run_qc": "on"}
    )
    delivery = Delivery.objects.get(page=page, platform=profile.platform)
    assert response.status_code == 302
    assert response.url == reverse(
        "syndication_deliveries:inspect", args=(delivery.pk,)
    )
    assert delivery.state == S.READY

    again = client_as.post(add, {"page": page.pk, "profiles": [profile.pk]})
    assert "已有到云上科普的交付" in messages_of(again)[0]
    assert Delivery.objects.filter(page=page).count() == 1

    other = profile.platform.profiles.exclude(pk=profile.pk).first()
    twice = client_as.post(add, {"page": page.pk, "profiles": [profile.pk, other.pk]})
    assert twice.status_code == 200
    assert "同一平台只能选一个交付规格" in twice.content.decode()

    not_an_item = client_as.post(
        add, {"page": Page.objects.get(depth=2).pk, "profiles": [profile.pk]}
    )
    assert "只能交付节目单集、短视频或音乐作品" in not_an_item.content.decode()


def test_the_report_page_and_its_excel_export(client_as, ledger):
    response = client_as.get(reverse("syndication_reports:index"), {"year": 2024})
    body = response.content.decode()
    assert "2024 年，央视频采用 4 集，科普中国采用 5 条，云上科普采用 10 条。" in body
    assert "<svg" in body and "逐月采用" in body
    assert "星空里的光年" in body  # pending
    assert "为什么风能发电" in body  # rejected

    export = client_as.get(reverse("syndication_reports:export"), {"year": 2024})
    assert export.status_code == 200
    assert export["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "adoption-report-2024.xlsx" in export["Content-Disposition"]
    book = load_workbook(io.BytesIO(export.content))
    rows = {r[0]: r[1:4] for r in book["按年"].iter_rows(min_row=2, values_only=True)}
    assert rows[2024] == (4, 5, 10)


def test_profiles_are_edited_as_checkboxes_and_sizes(client_as, demo):
    profile = DeliveryProfile.objects.order_by("pk").first()
    url = reverse("syndication_profiles:edit", args=(profile.pk,))
    data = {
        "platform": profile.platform_id,
        "name": profile.name,
        "transcode_profile": profile.transcode_profile_id,
        "method": DeliveryMethod.PACKAGE,
        "container": "mp4",
        "video_codec": "h264",
        "audio_codec": "aac",
        "min_height": 1080,
        "accepted_aspects": ["16:9", "9:16"],
        "min_duration": 60,
        "max_duration": 600,
        "loudness_tolerance": 1.0,
        "required_metadata": ["credits", "cover"],
        "cover_sizes": "1920x1080\n 800×450 ",
        "spec_verified": "",
        "notes": "与平台电话核实中",
    }
    response = client_as.post(url, data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    profile.refresh_from_db()
    assert profile.accepted_aspects == ["16:9", "9:16"]
    assert profile.required_metadata == ["credits", "cover"]
    assert profile.cover_sizes == ["1920x1080", "800x450"]

    bad = client_as.post(url, {**data, "cover_sizes": "大图", "max_duration": 30})
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "不是有效的尺寸" in body and "最长时长不能短于最短时长" in body


def test_the_availability_window_is_edited_and_checked(client_as, ledger):
    delivery = ledger.filter(state=S.ADOPTED).first()
    url = reverse("syndication_deliveries:edit", args=(delivery.pk,))
    bad = client_as.post(
        url,
        {"available_from": "2025-03-01 00:00", "available_until": "2025-01-01 00:00"},
    )
    assert bad.status_code == 200
    assert "截止时间须晚于起始时间" in bad.content.decode()
    good = client_as.post(
        url, {"available_from": "2025-01-01 00:00", "available_until": ""}
    )
    assert good.status_code == 302
    delivery.refresh_from_db()
    start = timezone.localtime(delivery.available_from)
    assert (start.year, start.month, start.day) == (2025, 1, 1)
    assert delivery.available_until is None
    assert delivery.state == S.ADOPTED


def test_partners_are_listed_with_their_keys_and_keys_revoked(client_as, demo):
    from syndication.keys import (
        partner_key_authenticate,
        partner_key_create,
    )

    partner = PartnerAccount.objects.create(name="科普中国接口", platform=platform())
    key, plaintext = partner_key_create(partner=partner)
    response = client_as.get(reverse("syndication_partners:index"))
    assert "科普中国接口" in response.content.decode()
    detail = client_as.get(reverse("syndication_partners:inspect", args=(partner.pk,)))
    body = detail.content.decode()
    assert "接口密钥" in body and key.prefix in body and plaintext not in body
    revoke = reverse("syndication_partners:key_revoke", args=(key.pk,))
    assert revoke in body

    response = client_as.post(revoke)
    assert response.status_code == 302
    assert messages_of(response)[0].startswith("已吊销 科普中国接口 的密钥")
    assert partner_key_authenticate(plaintext) is None
    assert messages_of(client_as.post(revoke)) == ["该密钥已被吊销。"]


def test_package_download_through_the_admin(client_as, demo, settings, tmp_path):
    private_storage(settings, tmp_path)
    profile = delivery_profile(platform("yangshipin"), method=DeliveryMethod.PACKAGE)
    delivery = good_delivery(profile=profile, store_files=True)
    name = package_build(delivery=delivery)
    detail = client_as.get(
        reverse("syndication_deliveries:inspect", args=(delivery.pk,))
    )
    assert name.rsplit("/", 1)[1] in detail.content.decode()

    url = reverse("syndication_deliveries:package_download", args=(delivery.pk,))
    response = client_as.get(url, {"name": name})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert b"".join(response.streaming_content)[:2] == b"PK"
    for outside in ("../../etc/passwd", f"syndication/packages/{delivery.pk}/../x.zip"):
        assert client_as.get(url, {"name": outside}).status_code == 404


def test_people_without_syndication_rights_are_kept_out(client, producer, ledger):
    client.force_login(producer)
    delivery = ledger.first()
    for url in (
        reverse(INDEX),
        reverse("syndication_reports:index"),
        reverse("syndication_reports:export"),
        reverse("syndication_deliveries:inspect", args=(delivery.pk,)),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
    response = client.post(
        reverse("syndication_deliveries:act", args=(delivery.pk,)),
        {"to_state": S.WITHDRAWN, "reason": "x"},
    )
    assert response.status_code in (302, 403)
    delivery.refresh_from_db()
    assert delivery.events.last().reason != "x"


def test_nobody_deletes_from_the_ledger(client, superuser, ledger):
    client.force_login(superuser)
    delivery = ledger.first()
    response = client.get(reverse("syndication_deliveries:delete", args=(delivery.pk,)))
    assert response.status_code in (302, 403)
    assert Delivery.objects.filter(pk=delivery.pk).exists()
    platform_ = Platform.objects.first()
    response = client.get(reverse("syndication_platforms:delete", args=(platform_.pk,)))
    assert response.status_code in (302, 403)


def test_deliverable_pages_offer_delivery_in_their_header(client_as, superuser, demo):
    from cms.videos.models import ShortVideoPage

    page = ShortVideoPage.objects.order_by("path").first()
    client_as.force_login(superuser)
    body = client_as.get(
        reverse("wagtailadmin_pages:edit", args=(page.pk,))
    ).content.decode()
    assert f"{reverse('syndication_deliveries:add')}?page={page.pk}" in body
