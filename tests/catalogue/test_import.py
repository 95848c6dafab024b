"""Importing a catalogue: pages, media (real files made by ffmpeg),
subtitles, covers and historical adoptions; idempotent and resumable."""

import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.utils.timezone import localtime
from wagtail.images import get_image_model
from wagtail.models import Page, Revision

from cms.catalogue import services
from cms.catalogue.models import ImportRow, RowOutcome, RowStatus
from cms.music.models import MusicWorkPage
from cms.programmes.models import EpisodePage, EpisodeRole, ProgramPage
from cms.videos.models import ShortVideoPage, VideoSeriesPage
from media_pipeline.models import MediaAsset, SubtitleTrack
from media_pipeline.services.ingest import asset_ingest
from syndication.models import Delivery, DeliveryState, Platform
from syndication.reports import adoption_report

from .sheets import csv_bytes, subtitles, tiny_audio, tiny_cover, tiny_video, xlsx

pytestmark = pytest.mark.django_db

PROGRAMME = "百嘎丽科普开讲"


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("catalogue-media")
    for n in range(1, 5):
        tiny_video(root / "kaijiang" / f"ep{n}.mp4", colour_seconds=1 + n / 10)
    tiny_video(root / "feiyi" / "guruge.mp4", colour_seconds=1.7)
    tiny_audio(root / "music" / "song.wav")
    subtitles(root / "kaijiang" / "ep1.srt")
    tiny_cover(root / "kaijiang" / "ep1.jpg")
    return root


def catalogue_rows():
    return [
        {
            "类型": "节目单集",
            "所属": PROGRAMME,
            "标题": "库布其沙漠的绿色奇迹",
            "期数": 901,
            "首播日期": "2023-05-01",
            "首播时间": "19:30",
            "频道": "鄂尔多斯少儿频道",
            "简介": "走进库布其，看治沙人如何让沙漠变绿。",
            "主创": "主讲:乌兰；专家:苏日娜",
            "话题": "治沙、生态",
            "媒体文件": "kaijiang/ep1.mp4",
            "字幕文件": "kaijiang/ep1.srt",
            "封面": "kaijiang/ep1.jpg",
            "平台采用": "央视频:2023-05-01；科普中国:2023-06-12",
        },
        {
            "类型": "节目单集",
            "所属": PROGRAMME,
            "标题": "黄河几字弯",
            "期数": 902,
            "首播日期": "2023-05-08",
            "简介": "黄河在鄂尔多斯拐了一个大弯。",
            "主创": "专家:苏日娜",
            "媒体文件": "kaijiang/ep2.mp4",
        },
        {
            "类型": "短视频",
            "所属": "非遗里的科普（导入）",
            "标题": "鄂尔多斯古如歌",
            "期数": 1,
            "首播日期": "2023-07-01",
            "主创": "导演:李晓雯,",
            "话题": "非遗",
            "媒体文件": "feiyi/guruge.mp4",
            "平台采用": "云上科普:2023-07-15",
        },
        {
            "类型": "音乐作品",
            "标题": "沙漠里的歌（导入）",
            "首播日期": "2022-03-01",
            "主创": "作曲:李晓雯；演唱:乌兰",
            "音乐形式": "歌曲",
            "媒体文件": "music/song.wav",
        },
    ]


def run_import(rows, tmp_path, media_root, *extra, name="目录.xlsx"):
    manifest = xlsx(rows, tmp_path / name)
    call_command(
        "import_catalogue", str(manifest), "--media-root", str(media_root), *extra
    )


def counts():
    return {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "assets": MediaAsset.objects.count(),
        "images": get_image_model().objects.count(),
        "tracks": SubtitleTrack.objects.count(),
        "deliveries": Delivery.objects.count(),
    }


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_good_sheet_imports_pages_media_subtitles_covers_and_adoptions(
    demo, tmp_path, media_root, capsys
):
    before = counts()
    run_import(catalogue_rows(), tmp_path, media_root)
    out = capsys.readouterr().out
    assert "非遗里的科普（导入）" in out and "新建" in out  # warned before

    programme = ProgramPage.objects.get(title=PROGRAMME)
    first = EpisodePage.objects.child_of(programme).get(episode_number=901)
    assert first.title == "库布其沙漠的绿色奇迹"
    assert not first.live  # draft without --publish
    assert first.slug == "kubuqi-shamo-de-lvse-qiji"
    assert first.channel.name == "鄂尔多斯少儿频道"
    assert localtime(first.air_at).isoformat() == "2023-05-01T19:30:00+08:00"
    assert [(c.role, c.person.name) for c in first.participants.all()] == [
        (EpisodeRole.HOST, "乌兰"),
        (EpisodeRole.EXPERT, "苏日娜"),
    ]
    assert sorted(t.name for t in first.topics.all()) == ["治沙", "生态"]
    assert first.media_asset.sha256 == sha256(media_root / "kaijiang/ep1.mp4")
    assert (
        first.media_asset.original.read()
        == (media_root / "kaijiang/ep1.mp4").read_bytes()
    )
    assert first.cover.width == 64
    [track] = SubtitleTrack.objects.filter(asset=first.media_asset)
    assert track.language == "zh-Hans" and track.cue_count == 1

    series = VideoSeriesPage.objects.get(title="非遗里的科普（导入）")
    assert not series.live  # created, as a draft
    video = ShortVideoPage.objects.child_of(series).get()
    assert video.number_in_series == 1 and str(video.release_date) == "2023-07-01"
    work = MusicWorkPage.objects.get(title="沙漠里的歌（导入）")
    assert work.form == "song" and work.year == 2022

    after = counts()
    assert after["assets"] - before["assets"] == 4  # one per row
    assert after["deliveries"] - before["deliveries"] == 3
    assert ImportRow.objects.filter(outcome=RowOutcome.CREATED).count() == 4

    adopted = Delivery.objects.get(page=first, platform__name="央视频")
    assert adopted.state == DeliveryState.ADOPTED
    assert str(adopted.adopted_on) == "2023-05-01"
    # The ledger says where the record came from.
    assert [event.via for event in adopted.events.all()] == ["import"]
    report = adoption_report(year=2023)
    assert report.count(Platform.objects.get(name="央视频"), year=2023, month=5) == 1
    assert report.count(Platform.objects.get(name="科普中国"), year=2023, month=6) == 1
    assert report.count(Platform.objects.get(name="云上科普"), year=2023, month=7) == 1


def test_publish_makes_pages_live(demo, tmp_path, media_root):
    run_import(catalogue_rows()[1:3], tmp_path, media_root, "--publish")
    assert EpisodePage.objects.get(episode_number=902).live
    assert VideoSeriesPage.objects.get(title="非遗里的科普（导入）").live


def test_the_same_sheet_twice_changes_nothing(demo, tmp_path, media_root, capsys):
    run_import(catalogue_rows(), tmp_path, media_root)
    before = counts()
    run_import(catalogue_rows(), tmp_path, media_root)
    assert counts() == before
    assert "未变 4 行" in capsys.readouterr().out
    assert set(ImportRow.objects.values_list("outcome", flat=True)) == {"unchanged"}


def test_a_changed_row_updates_only_its_page(demo, tmp_path, media_root, capsys):
    run_import(catalogue_rows(), tmp_path, media_root)
    pages = {row.key: row.page_id for row in ImportRow.objects.all()}
    revisions = {
        key: Revision.page_revisions.filter(object_id=str(pk)).count()
        for key, pk in pages.items()
    }
    rows = catalogue_rows()
    rows[1]["简介"] = "黄河在鄂尔多斯拐了一个“几”字形的大弯。"
    rows[1]["话题"] = "黄河"
    capsys.readouterr()

    run_import(rows, tmp_path, media_root)

    assert "第 3 行已更新：简介、话题" in capsys.readouterr().out
    changed = ImportRow.objects.get(outcome=RowOutcome.UPDATED)
    assert changed.sheet_row == 3 and changed.changes == ["简介", "话题"]
    for key, pk in pages.items():
        now = Revision.page_revisions.filter(object_id=str(pk)).count()
        assert now == revisions[key] + (1 if key == changed.key else 0), key
    page = EpisodePage.objects.get(pk=changed.page_id)
    latest = page.get_latest_revision_as_object()
    assert latest.summary == rows[1]["简介"]


def test_the_same_bytes_reuse_one_asset_across_rows_and_earlier_uploads(
    demo, tmp_path, media_root
):
    earlier = asset_ingest(path=media_root / "kaijiang/ep3.mp4", wait=False)
    rows = catalogue_rows()[:2]
    rows[0]["媒体文件"] = "kaijiang/ep3.mp4"  # uploaded before the import
    rows[1]["媒体文件"] = "kaijiang/ep3.mp4"  # and shared by two rows
    for row in rows:
        row.pop("字幕文件", None)
    assets = MediaAsset.objects.count()
    run_import(rows, tmp_path, media_root)
    assert MediaAsset.objects.count() == assets
    assert set(ImportRow.objects.values_list("asset_id", flat=True)) == {earlier.pk}


def test_an_interrupted_import_resumes_with_one_page_and_one_asset_per_row(
    demo, tmp_path, media_root, monkeypatch
):
    rows = catalogue_rows()
    rows.append(dict(rows[1], 期数=903, 标题="第三期", 媒体文件="kaijiang/ep3.mp4"))
    rows.append(dict(rows[1], 期数=904, 标题="第四期", 媒体文件="kaijiang/ep4.mp4"))
    before = counts()
    real = services._apply
    calls = []

    def crash_on_the_third_row(page, row, **kwargs):
        calls.append(row.key)
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        return real(page, row, **kwargs)

    monkeypatch.setattr(services, "_apply", crash_on_the_third_row)
    with pytest.raises(RuntimeError, match="worker killed"):
        run_import(rows, tmp_path, media_root)
    statuses = dict(ImportRow.objects.values_list("sheet_row", "status"))
    assert statuses == {2: "done", 3: "done"} | dict.fromkeys(range(4, 8), "waiting")
    assert MediaAsset.objects.count() - before["assets"] == 2  # the third rolled back

    monkeypatch.setattr(services, "_apply", real)
    run_import(rows, tmp_path, media_root)

    after = counts()
    assert after["assets"] - before["assets"] == 6
    assert set(ImportRow.objects.values_list("status", flat=True)) == {RowStatus.DONE}
    for row in ImportRow.objects.all():
        # exactly one page per row: no second page with its number (or
        # title, for music) under its programme, series or library
        page = row.page.specific
        same = {"title": page.title}
        if isinstance(page, EpisodePage):
            same = {"episode_number": page.episode_number}
        elif isinstance(page, ShortVideoPage):
            same = {"number_in_series": page.number_in_series}
        siblings = type(page).objects.child_of(page.get_parent()).filter(**same)
        assert siblings.count() == 1
    assert len({row.asset_id for row in ImportRow.objects.all()}) == 6


def test_a_gb18030_csv_imports(demo, tmp_path, media_root):
    manifest = tmp_path / "目录.csv"
    manifest.write_bytes(csv_bytes(catalogue_rows()[1:2], encoding="gb18030"))
    call_command("import_catalogue", str(manifest), "--media-root", str(media_root))
    assert EpisodePage.objects.get(episode_number=902).title == "黄河几字弯"


def test_a_row_refused_by_the_pipeline_fails_with_its_reason(
    demo, tmp_path, media_root
):
    rows = catalogue_rows()[1:2]
    bad = tmp_path / "media"
    bad.mkdir()
    (bad / "kaijiang").mkdir()
    (bad / "kaijiang" / "ep2.mp4").write_bytes(
        (media_root / "kaijiang/ep2.mp4").read_bytes()
    )
    subtitles(bad / "kaijiang" / "ep2.srt")
    rows[0]["字幕文件"] = "kaijiang/ep2.srt"
    manifest = xlsx(rows, tmp_path / "目录.xlsx")
    # The subtitles go bad between the check and the import.
    original_add = services.subtitle_track_add

    def refuse(**kwargs):
        (bad / "kaijiang" / "ep2.srt").write_text("坏了")
        return original_add(**kwargs)

    services.subtitle_track_add = refuse
    try:
        with pytest.raises(CommandError, match="1 行导入失败"):
            call_command("import_catalogue", str(manifest), "--media-root", str(bad))
    finally:
        services.subtitle_track_add = original_add
    row = ImportRow.objects.get()
    assert row.status == RowStatus.FAILED and row.reason
    assert not EpisodePage.objects.filter(episode_number=902).exists()  # rolled back


def test_retrying_failed_rows_queues_them_again(
    demo, tmp_path, media_root, django_capture_on_commit_callbacks
):
    from cms.catalogue.models import ImportRun
    from cms.catalogue.services import import_run_counts, import_run_retry_failed

    run_import(catalogue_rows()[1:3], tmp_path, media_root)
    run = ImportRun.objects.latest("pk")
    ImportRow.objects.filter(sheet_row=3).update(status=RowStatus.FAILED, reason="坏")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert import_run_retry_failed(run=run) == 1
    assert len(callbacks) == 1  # one row task queued, for the failed row
    assert import_run_counts(run) == {"waiting": 1, "done": 1, "failed": 0}
    assert ImportRow.objects.get(sheet_row=3).reason == ""


def test_the_final_report_lists_every_row_with_page_asset_and_outcome(
    demo, tmp_path, media_root
):
    from openpyxl import load_workbook

    out = tmp_path / "结果.xlsx"
    run_import(catalogue_rows(), tmp_path, media_root, "--report", str(out))

    sheet = load_workbook(out).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:4] == ("表格行", "标识", "状态", "结果")
    assert [row[0] for row in rows] == [2, 3, 4, 5]
    by_row = {row[0]: row for row in rows}
    first = ImportRow.objects.get(sheet_row=2)
    assert by_row[2][2:5] == ("已完成", "新建", "库布其沙漠的绿色奇迹")
    assert by_row[2][5] == first.page.specific.full_url
    assert by_row[2][6] == first.asset_id
