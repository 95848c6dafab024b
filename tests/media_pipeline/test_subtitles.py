"""Subtitle tracks: SRT becomes WebVTT, bad files are refused with the reason
in Chinese and leave what is stored alone, the admin takes uploads without
ever answering 500, and the public player offers the tracks."""

import hashlib
import io
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from media_pipeline.models import SubtitleTrack
from media_pipeline.services.subtitles import subtitle_track_add
from media_pipeline.subtitles import SubtitleError, parse_subtitles, read_subtitles
from tests.conftest import make_user
from tests.syndication.builders import build_asset, short_video

pytestmark = pytest.mark.django_db

SRT = (
    "\ufeff1\r\n"
    "00:00:01,000 --> 00:00:03,250\r\n"
    "<i>长调</i>的音域 & 气息\r\n"
    '第二行 <font color="#ffff00">黄字</font> a<b\r\n'
    "\r\n"
    "2\r\n"
    "00:00:04,5 --> 00:01:02,000 X1:10 X2:100 Y1:10 Y2:50\r\n"
    "{\\an8}箭头 --> 不是时间码\r\n"
)
WEBVTT = """WEBVTT - 古如歌

NOTE 由剪辑软件导出

STYLE
::cue { color: yellow }

intro
00:00:00.500 --> 00:00:02.000 line:0 position:50%
<v 其木格>古如歌</v>

00:02.000 --> 00:03.500
第二条
"""


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as stream:
        return stream.read()


def stored_files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()
    }


def add(asset, content: bytes | str, filename: str, language="zh-Hans", **kw):
    if isinstance(content, str):
        content = content.encode()
    return subtitle_track_add(
        asset=asset,
        source=io.BytesIO(content),
        filename=filename,
        language=language,
        **kw,
    )


def test_srt_is_converted_to_webvtt():
    parsed = parse_subtitles(SRT.encode(), source_format="srt")

    assert parsed.webvtt == (
        "WEBVTT\n\n"
        "1\n"
        "00:00:01.000 --> 00:00:03.250\n"
        "<i>长调</i>的音域 &amp; 气息\n"
        "第二行 黄字 a&lt;b\n\n"
        "2\n"
        "00:00:04.500 --> 00:01:02.000\n"
        "箭头 --&gt; 不是时间码\n"
    )
    assert [(c.start, c.end) for c in parsed.cues] == [(1.0, 3.25), (4.5, 62.0)]
    assert parsed.end_seconds == 62.0
    # What we make reads back as WebVTT, with the same timing.
    again = parse_subtitles(parsed.webvtt.encode(), source_format="webvtt")
    assert [(c.start, c.end) for c in again.cues] == [(1.0, 3.25), (4.5, 62.0)]


def test_webvtt_is_kept_as_written():
    parsed = parse_subtitles(WEBVTT.encode(), source_format="webvtt")
    assert parsed.webvtt == WEBVTT
    assert [c.identifier for c in parsed.cues] == ["intro", ""]
    assert parsed.cues[0].settings == "line:0 position:50%"
    assert parsed.cues[1].start == 2.0


def test_an_srt_upload_is_stored_as_webvtt(demo, media_root):
    asset = build_asset()
    track = add(asset, SRT, "古如歌.SRT")

    assert track.file.name.endswith(".vtt")
    content = stored(track.file.name)
    assert content.startswith(b"WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.250\n")
    assert track.size == len(content)
    assert track.sha256 == hashlib.sha256(content).hexdigest()
    assert (track.cue_count, track.end_seconds) == (2, 62.0)
    assert (track.label, track.kind) == ("简体中文", "subtitles")
    assert track.original_filename == "古如歌.SRT"


GBK = "1\n00:00:01,000 --> 00:00:02,000\n中文字幕\n".encode("gbk")


@pytest.mark.parametrize(
    ("content", "filename", "words"),
    [
        (SRT, "subtitles.ass", "只接受 WebVTT（.vtt）或 SRT（.srt）字幕文件"),
        (SRT, "subtitles", "只接受 WebVTT（.vtt）或 SRT（.srt）"),
        (GBK, "subtitles.srt", "不是 UTF-8 编码（第 3 行"),
        (SRT.encode("utf-16"), "subtitles.srt", "UTF-16 编码"),
        (b"\x00\x01\x02PNG\x00", "subtitles.vtt", "二进制内容"),
        (b"  \n\n", "subtitles.srt", "字幕文件是空的"),
        ("WEBVTT\n\nNOTE 只有注释\n", "subtitles.vtt", "没有任何字幕条目"),
        (SRT, "subtitles.vtt", "内容像是 SRT 字幕，请把扩展名改为 .srt"),
        (
            "WEBVTT\n\n00:00:01.000 -> 00:00:02.000\n箭头少了一划\n",
            "a.vtt",
            "第 3 行的时间码无法识别：“00:00:01.000 -> 00:00:02.000”",
        ),
        (
            "WEBVTT\n00:00:01.000 --> 00:00:02.000\n字幕\n",
            "a.vtt",
            "第 2 行：“WEBVTT”这一行之后要先空一行",
        ),
        (
            "1\n00:00:05,000 --> 00:00:02,000\n倒着走的字幕\n",
            "a.srt",
            "第 2 行的结束时间（00:00:02.000）不晚于开始时间（00:00:05.000）",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\n一\n"
            "2\n00:00:03,000 --> 00:00:04,000\n二\n",
            "a.srt",
            "第 5 行像是下一条字幕的时间码，前面少了一个空行",
        ),
        (
            "这是一篇文章，不是字幕。\n第二段。\n",
            "a.srt",
            "第 1 行应为字幕序号或时间码",
        ),
        (
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n一\n"
            "00:00:03.000 --> 00:00:04.000\n",
            "a.vtt",
            "第 5 行像是下一条字幕的时间码，前面少了一个空行",
        ),
        (
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n甲 --> 乙\n",
            "a.vtt",
            "第 4 行：WebVTT 字幕文字里不能出现“-->”",
        ),
    ],
)
def test_bad_files_are_refused_with_the_reason_and_nothing_stored_changes(
    demo, media_root, content, filename, words
):
    asset = build_asset()
    good = add(asset, SRT, "good.srt")
    before = stored_files(media_root)

    with pytest.raises(SubtitleError) as refused:
        add(asset, content, filename)

    assert words in refused.value.reason, refused.value.reason
    assert "：" in refused.value.reason, "每条都说明怎么改"
    assert stored_files(media_root) == before
    kept = SubtitleTrack.objects.get(asset=asset)
    assert (kept.pk, kept.sha256, kept.file.name) == (
        good.pk,
        good.sha256,
        good.file.name,
    )


def test_a_file_over_the_limit_is_refused_without_reading_it_all(
    demo, media_root, settings
):
    settings.MEDIA_SUBTITLE_MAX_BYTES = 1024
    source = io.BytesIO(SRT.encode() * 200)
    with pytest.raises(SubtitleError) as refused:
        read_subtitles(source, filename="long.srt")
    assert "超过 1 KB 的上限" in refused.value.reason
    assert source.tell() == 1025
    assert not SubtitleTrack.objects.exists()


def test_a_new_upload_replaces_the_track_of_its_language_and_kind(
    demo, media_root, django_capture_on_commit_callbacks
):
    asset = build_asset()
    first = add(asset, SRT, "v1.srt")
    old_name = first.file.name
    captions = add(asset, SRT, "cc.srt", kind="captions")
    assert captions.label == "简体中文（听障字幕）"

    with django_capture_on_commit_callbacks(execute=True):
        second = add(asset, WEBVTT, "v2.vtt", label="中文（导演剪辑版）")

    assert second.pk == first.pk
    assert second.label == "中文（导演剪辑版）"
    assert stored(second.file.name) == WEBVTT.encode()
    assert not default_storage.exists(old_name)
    assert default_storage.exists(captions.file.name)
    assert asset.subtitle_tracks.count() == 2


def test_deleting_the_asset_removes_its_subtitle_files(
    demo, media_root, django_capture_on_commit_callbacks
):
    asset = build_asset()
    track = add(asset, SRT, "a.srt")
    with django_capture_on_commit_callbacks(execute=True):
        asset.delete()
    assert not default_storage.exists(track.file.name)


# --- Admin ---------------------------------------------------------------------


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(make_user("subtitle-admin", superuser=True))
    return client


def upload(client, asset, content: bytes, filename: str, **data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("media:subtitle_add", args=(asset.pk,)),
        {
            "file": SimpleUploadedFile(filename, content),
            "language": "zh-Hans",
            "kind": "subtitles",
            "label": "",
            **data,
        },
    )


def test_the_admin_takes_an_upload_and_shows_the_track(demo, media_root, admin_client):
    asset = build_asset()
    page = admin_client.get(reverse("media:subtitle_add", args=(asset.pk,)))
    assert page.status_code == 200
    assert "字幕文件" in page.content.decode()

    response = upload(admin_client, asset, SRT.encode(), "古如歌.srt")

    assert response.status_code == 302
    assert response["Location"] == asset.get_admin_url()
    track = asset.subtitle_tracks.get()
    detail = admin_client.get(asset.get_admin_url()).content.decode()
    assert "简体中文（zh-Hans）" in detail and "古如歌.srt" in detail
    assert reverse("media:subtitle_delete", args=(asset.pk, track.pk)) in detail


@pytest.mark.parametrize(
    ("content", "filename", "words"),
    [
        (GBK, "gbk.srt", "不是 UTF-8 编码"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "cover.png", "只接受 WebVTT"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "cover.vtt", "二进制内容"),
        (b"WEBVTT\n\n", "empty.vtt", "没有任何字幕条目"),
    ],
)
def test_the_admin_shows_why_a_file_is_refused(
    demo, media_root, admin_client, content, filename, words
):
    asset = build_asset()
    response = upload(admin_client, asset, content, filename)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not asset.subtitle_tracks.exists()


def test_the_admin_refuses_others_and_deletes_on_post(
    demo, media_root, admin_client, django_capture_on_commit_callbacks
):
    asset = build_asset()
    track = add(asset, SRT, "a.srt")
    outsider = Client()
    outsider.force_login(make_user("reviewer-only", groups=["审核专家"]))
    # Wagtail's admin answers PermissionDenied with a redirect to the dashboard.
    refused = upload(outsider, asset, WEBVTT.encode(), "b.vtt")
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    delete_url = reverse("media:subtitle_delete", args=(asset.pk, track.pk))
    refused = outsider.post(delete_url)
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    assert asset.subtitle_tracks.get().sha256 == track.sha256
    assert admin_client.get(delete_url).status_code == 405

    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(delete_url).status_code == 302

    assert not asset.subtitle_tracks.exists()
    assert not default_storage.exists(track.file.name)


# --- The public player -----------------------------------------------------------


def test_the_public_player_offers_the_tracks(demo, media_root):
    asset = build_asset()
    english = add(asset, SRT, "en.srt", language="en")
    chinese = add(asset, SRT, "zh.srt")
    page = short_video("带字幕的短视频", asset=asset)

    html = Client().get(page.url).content.decode()

    zh_src = reverse("media_files:subtitle", args=(asset.key, chinese.pk))
    en_src = reverse("media_files:subtitle", args=(asset.key, english.pk))
    assert (
        f'<track kind="subtitles" src="{zh_src}" srclang="zh-Hans" '
        'label="简体中文" default>'
    ) in html
    assert f'<track kind="subtitles" src="{en_src}" srclang="en" label="英语">' in html
    assert html.index(zh_src) < html.index(en_src)
    assert "出品：鄂尔多斯市科学技术协会 · 版权所有：鄂尔多斯市科学技术协会" in html

    response = Client().get(zh_src)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vtt; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == stored(chinese.file.name)

    asset.status = "processing"
    asset.save(update_fields=["status"])
    assert Client().get(zh_src).status_code == 404
    other = reverse("media_files:subtitle", args=(uuid.uuid4(), chinese.pk))
    assert Client().get(other).status_code == 404
