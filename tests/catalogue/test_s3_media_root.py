"""A media root in a bucket (``s3://bucket/prefix``) on a real S3 endpoint
(moto in server mode), read with the project's S3 settings."""

import hashlib

import pytest
from django.core.management import CommandError, call_command

from cms.catalogue.models import ImportRow, RowOutcome
from cms.programmes.models import EpisodePage
from media_pipeline.models import SubtitleTrack

from .sheets import subtitles, tiny_cover, tiny_video, xlsx

pytestmark = pytest.mark.django_db

ROW = {
    "类型": "节目单集",
    "所属": "百嘎丽科普开讲",
    "标题": "从桶里导入的一期",
    "期数": 951,
    "主创": "主讲:乌兰",
    "媒体文件": "kaijiang/ep951.mp4",
    "字幕文件": "kaijiang/ep951.srt",
    "封面": "kaijiang/ep951.jpg",
}


@pytest.fixture
def bucket_root(s3_storage, s3_endpoint, tmp_path):
    client = s3_endpoint.client()
    files = {
        "kaijiang/ep951.mp4": tiny_video(tmp_path / "ep951.mp4", colour_seconds=1.3),
        "kaijiang/ep951.srt": subtitles(tmp_path / "ep951.srt"),
        "kaijiang/ep951.jpg": tiny_cover(tmp_path / "ep951.jpg", colour="blue"),
    }
    for name, path in files.items():
        client.put_object(
            Bucket=s3_endpoint.bucket, Key=f"catalogue/{name}", Body=path.read_bytes()
        )
    return f"s3://{s3_endpoint.bucket}/catalogue", files  # s3_storage empties it


def test_a_catalogue_imports_from_a_bucket(demo, bucket_root, tmp_path):
    url, files = bucket_root
    manifest = str(xlsx([ROW], tmp_path / "目录.xlsx"))

    call_command("import_catalogue", manifest, "--media-root", url)

    episode = EpisodePage.objects.get(episode_number=951)
    video = files["kaijiang/ep951.mp4"].read_bytes()
    assert episode.media_asset.sha256 == hashlib.sha256(video).hexdigest()
    assert episode.media_asset.original.read() == video  # stored on S3, untouched
    assert SubtitleTrack.objects.filter(asset=episode.media_asset).count() == 1
    assert episode.cover.width == 64

    call_command("import_catalogue", manifest, "--media-root", url)
    assert ImportRow.objects.get().outcome == RowOutcome.UNCHANGED


def test_a_file_missing_from_the_bucket_is_listed_by_row_and_column(
    demo, bucket_root, tmp_path, capsys
):
    url, _files = bucket_root
    manifest = str(xlsx([dict(ROW, 媒体文件="kaijiang/nope.mp4")], tmp_path / "a.xlsx"))
    with pytest.raises(CommandError, match="1 行未通过检查"):
        call_command("import_catalogue", manifest, "--media-root", url, "--dry-run")
    err = capsys.readouterr().err
    assert "第 2 行“媒体文件”列：在媒体根目录中找不到文件“kaijiang/nope.mp4”" in err


def test_s3_roots_need_the_project_s3_settings(demo, tmp_path):
    manifest = str(xlsx([ROW], tmp_path / "目录.xlsx"))
    with pytest.raises(CommandError, match="本站未配置 S3"):
        call_command("import_catalogue", manifest, "--media-root", "s3://b/p")


def test_the_admin_takes_a_bucket_root_only_inside_an_allowed_one(
    demo, bucket_root, tmp_path, client, superuser, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from cms.catalogue.models import ImportRun

    url, _files = bucket_root
    settings.CATALOGUE_MEDIA_ROOTS = [url]
    client.force_login(superuser)
    sheet = xlsx([ROW], tmp_path / "目录.xlsx").read_bytes()

    def post(media_root):
        return client.post(
            reverse("catalogue:upload"),
            {"file": SimpleUploadedFile("目录.xlsx", sheet), "media_root": media_root},
        )

    bucket = url.split("/")[2]
    for outside in (f"s3://{bucket}/other", f"s3://{bucket}/catalogue/../x", "/etc"):
        response = post(outside)
        assert response.status_code == 200, outside
        assert "只能从服务器允许的媒体目录导入" in response.content.decode()
    assert not ImportRun.objects.exists()

    response = post(url)
    run = ImportRun.objects.get()
    assert response.status_code == 302 and not run.problems
    assert "可导入 1 行" in client.get(response.url).content.decode()
