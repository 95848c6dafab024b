"""Pre-flight QC: what breaks a delivery profile is refused, each reason in
plain Chinese with what to fix; what meets it is made ready."""

import io
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from django.core.management import call_command

from media_pipeline.models import MediaAsset, MediaKind
from syndication.models import DeliveryState, Via
from syndication.qc import (
    format_duration,
    format_duration_range,
    qc_check,
    qc_passed,
)
from syndication.services import (
    IllegalTransition,
    delivery_create,
    delivery_transition,
)
from syndication.workflow import delivery_run_qc
from tests.media_pipeline.media import make_video

from .builders import (
    build_asset,
    delivery_profile,
    good_delivery,
    make_manager,
    platform,
    private_storage,
    short_video,
    transcode_profile,
)

pytestmark = pytest.mark.django_db
S = DeliveryState


@pytest.fixture
def manager(db):
    return make_manager()


@pytest.fixture
def package_storage(settings, tmp_path):
    return private_storage(settings, tmp_path)


def errors(findings) -> dict[str, str]:
    return {f.code: f.message for f in findings if f.is_error}


def test_durations_are_spelt_as_people_say_them():
    assert format_duration(90) == "1 分 30 秒"
    assert format_duration(120) == "2 分钟"
    assert format_duration(45) == "45 秒"
    assert format_duration(3720) == "1 小时 2 分钟"
    assert format_duration_range(120, 300) == "2–5 分钟"


def test_a_delivery_that_meets_its_profile_passes_and_is_made_ready(demo, manager):
    delivery = good_delivery()
    findings = qc_check(delivery)
    assert qc_passed(findings), [f.message for f in findings]

    delivery = delivery_run_qc(delivery=delivery, actor=manager)

    assert delivery.state == S.READY
    assert delivery.asset == delivery.page.specific.media_asset
    event = delivery.events.last()
    assert (event.from_state, event.to_state) == (S.DRAFT, S.READY)
    assert event.actor == manager and event.via == Via.ADMIN
    assert event.reason == "质检通过"


def test_too_short_and_missing_credits_are_refused_before_any_transcode(demo):
    # Published for noisy mobile listening (−15 LKFS) only: the file for the
    # platform, made by the profile's own transcode profile, does not exist
    # yet, and the original already tells that it is too short for one.
    mobile = transcode_profile(loudness_target=-15.0, true_peak_limit=-1.0)
    asset = build_asset(duration=90.0, published_with=mobile)
    page = short_video(asset=asset, credits=())
    delivery = delivery_create(page=page, profile=delivery_profile())

    delivery = delivery_run_qc(delivery=delivery, via=Via.SYSTEM)

    assert delivery.state == S.QC_FAILED
    found = {f["code"]: f["message"] for f in delivery.qc_report}
    assert found["too_short"] == (
        "时长 1 分 30 秒，短于平台要求的 2 分钟：请剪辑成 2–5 分钟的版本。"
    )
    assert "主创人员" in found["missing_credits"]
    assert found["delivery_file_missing"].startswith(
        "还没有按转码方案“标准（GY/T 282-2014，−24 LKFS）”生成交付文件："
    )
    assert all(f["severity"] == "error" for f in delivery.qc_report)
    # No transcode for an original that cannot pass anyway.
    assert not asset.jobs.filter(profile__slug="standard").exists()
    event = delivery.events.last()
    assert event.to_state == S.QC_FAILED and event.via == Via.SYSTEM
    assert event.reason == "质检未通过：3 项问题"
    assert event.payload["qc"] == delivery.qc_report


@pytest.mark.parametrize(
    ("asset_fields", "page_fields", "code", "words"),
    [
        (
            {"duration": 400.0},
            {},
            "too_long",
            "时长 6 分 40 秒，超过平台要求的 5 分钟",
        ),
        (
            {"width": 1280, "height": 720},
            {},
            "resolution",
            "原片只有 720p（1280×720），低于平台要求的 1080p",
        ),
        (
            {"mp4_height": 720},
            {},
            "resolution",
            "“下载版 MP4 高度”设为不低于 1080",
        ),
        (
            {"width": 1080, "height": 1920},
            {},
            "aspect",
            "画面比例为 9:16（1080×1920），平台只接受 16:9：请提供横屏 16:9 的版本。",
        ),
        ({"loudness": None}, {}, "silent", "音轨几乎无声"),
        ({"audio_codec": ""}, {}, "no_audio", "媒体没有音轨"),
        ({"kind": MediaKind.AUDIO}, {}, "not_video", "平台要求视频"),
        ({}, {"producing_unit": " "}, "missing_producing_unit", "“出品单位”中填写"),
        ({}, {"rights_holder": " "}, "missing_rights_holder", "“版权方”中填写"),
        ({}, {"cover": None}, "missing_cover", "请在页面的“封面”中选择封面图"),
        ({}, {"summary": ""}, "missing_summary", "内容提要"),
    ],
)
def test_each_breach_is_named_with_what_to_fix(
    demo, asset_fields, page_fields, code, words
):
    asset = build_asset(**asset_fields)
    page = short_video(asset=asset, **page_fields)
    delivery = delivery_create(page=page, profile=delivery_profile())

    found = errors(qc_check(delivery))

    assert code in found, found
    assert words in found[code]
    assert "：" in found[code], "每条都说明怎么改"


def test_required_subtitles_are_reported_missing(demo):
    delivery = good_delivery(
        profile=delivery_profile(
            required_metadata=["credits", "subtitles"], spec_verified=False
        )
    )
    findings = qc_check(delivery)
    assert "字幕" in errors(findings)["missing_subtitles"]
    warnings = {f.code for f in findings if not f.is_error}
    assert "profile_unverified" in warnings


def test_episodes_name_their_producing_unit_and_rights_holder(demo):
    from cms.programmes.models import EpisodePage

    # One the demo has not delivered to 科普中国, so the profile is ours.
    episode = (
        EpisodePage.objects.exclude(deliveries__platform__slug="kepu-china")
        .order_by("path")
        .first()
    )
    assert episode.producing_unit == "鄂尔多斯市科学技术协会"  # the demo's
    episode.media_asset = build_asset()
    episode.save_revision().publish()
    delivery = delivery_create(page=episode, profile=delivery_profile())

    found = errors(qc_check(delivery))
    assert "missing_producing_unit" not in found
    assert "missing_rights_holder" not in found
    assert "missing_credits" not in found  # the host and the expert

    episode.producing_unit = ""
    episode.rights_holder = " "
    episode.save_revision().publish()
    found = errors(qc_check(delivery))
    assert found["missing_producing_unit"] == (
        "缺少出品单位：请在页面“出品与版权”一栏的“出品单位”中填写。"
    )
    assert "“版权方”中填写" in found["missing_rights_holder"]


def test_music_works_are_checked_for_rights_too(demo):
    from cms.music.models import MusicWorkPage

    work = MusicWorkPage.objects.order_by("path").first()
    assert work.rights_holder == "鄂尔多斯市科学技术协会"  # the demo's
    work.media_asset = build_asset(kind=MediaKind.AUDIO)
    work.rights_holder = ""
    work.save_revision().publish()
    audio = delivery_profile(
        platform("yangshipin"),  # no demo delivery of music works there
        video_codec="",
        min_height=0,
        accepted_aspects=[],
        required_metadata=["rights_holder", "producing_unit"],
    )

    found = errors(qc_check(delivery_create(page=work, profile=audio)))

    assert set(found) == {"missing_rights_holder"}, found


def test_media_that_is_not_ready_or_missing_is_refused(demo):
    page = short_video(asset=None)
    delivery = delivery_create(page=page, profile=delivery_profile())
    assert "no_media" in errors(qc_check(delivery))

    asset = build_asset()
    MediaAsset.objects.filter(pk=asset.pk).update(
        published_job=None, status="processing"
    )
    page = short_video(asset=MediaAsset.objects.get(pk=asset.pk))
    delivery = delivery_create(page=page, profile=delivery_profile())
    assert "尚未转码完成" in errors(qc_check(delivery))["media_not_ready"]


def test_a_small_cover_is_a_warning_not_a_refusal(demo):
    from .builders import cover_image

    asset = build_asset()
    page = short_video(asset=asset, cover=cover_image(size=(1280, 720)))
    delivery = delivery_create(page=page, profile=delivery_profile())
    findings = qc_check(delivery)
    assert qc_passed(findings)
    small = [f for f in findings if f.code == "cover_small"]
    assert small and "1280×720" in small[0].message and not small[0].is_error


def test_rerunning_qc_on_a_ready_delivery_keeps_it_ready_and_says_so(demo, manager):
    delivery = delivery_run_qc(delivery=good_delivery(), actor=manager)
    events = delivery.events.count()
    delivery = delivery_run_qc(delivery=delivery, actor=manager)
    assert delivery.state == S.READY
    assert delivery.events.count() == events + 1
    event = delivery.events.last()
    assert (event.from_state, event.to_state) == (S.READY, S.READY)
    assert event.reason == "质检通过" and event.actor == manager
    assert event.payload["qc"] == delivery.qc_report


def test_qc_cannot_move_a_delivered_item(demo, manager):
    delivery = delivery_run_qc(delivery=good_delivery(), actor=manager)
    delivery = delivery_transition(
        delivery=delivery, to_state=S.DELIVERED, via=Via.ADMIN, actor=manager
    )
    with pytest.raises(IllegalTransition):
        delivery_run_qc(delivery=delivery, actor=manager)


def test_qc_reads_the_facts_the_real_pipeline_stores(demo, package_storage, tmp_path):
    """A clip generated with ffmpeg and ingested for real: QC judges what the
    pipeline found and made."""
    clip = make_video(tmp_path / "clip.mp4", width=640, height=360, seconds=4)
    out = io.StringIO()
    with redirect_stdout(out):
        call_command("ingest", str(clip), "--wait", "--title", "真转码", stdout=out)
    asset = MediaAsset.objects.get(pk=int(out.getvalue().split()[-1]))
    page = short_video(asset=asset)

    fits = delivery_profile(min_height=360, min_duration=None, max_duration=None)
    delivery = delivery_create(page=page, profile=fits)
    assert qc_passed(qc_check(delivery)), [f.message for f in qc_check(delivery)]

    strict = delivery_profile(platform("yunshang-kepu"))
    delivery = delivery_create(page=page, profile=strict)
    found = errors(qc_check(delivery))
    assert found["too_short"].startswith("时长 4 秒，短于平台要求的 2 分钟")
    assert "原片只有 360p（640×360）" in found["resolution"]
    assert Path(clip).exists()
