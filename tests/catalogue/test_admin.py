"""导入目录 in the admin, through the test client: upload, dry-run report,
start, per-row progress; bad uploads refused in Chinese, never a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import Page

from cms.catalogue.models import ImportRow, ImportRun, RowStatus, RunStatus
from cms.catalogue.services import import_row_run
from cms.programmes.models import EpisodePage

from .sheets import tiny_video, xlsx

pytestmark = pytest.mark.django_db

ROWS = [
    {
        "类型": "节目单集",
        "所属": "百嘎丽科普开讲",
        "标题": f"后台导入的第 {n} 期",
        "期数": 800 + n,
        "媒体文件": f"ep{n}.mp4",
    }
    for n in (1, 2)
]


@pytest.fixture
def allowed(tmp_path, settings):
    allowed = tmp_path / "shared"
    root = allowed / "kaijiang"
    for n in (1, 2):
        tiny_video(root / f"ep{n}.mp4", colour_seconds=1 + n / 10)
    settings.CATALOGUE_MEDIA_ROOTS = [str(allowed)]
    return root


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def upload(client, tmp_path, rows=ROWS, *, media_root, name="目录.xlsx", data=None):
    content = data if data is not None else xlsx(rows, tmp_path / "u.xlsx").read_bytes()
    return client.post(
        reverse("catalogue:upload"),
        {"file": SimpleUploadedFile(name, content), "media_root": str(media_root)},
    )


def test_upload_shows_the_dry_run_then_start_imports_row_by_row(
    demo, admin_client, allowed, tmp_path, django_capture_on_commit_callbacks
):
    assert admin_client.get(reverse("catalogue:index")).status_code == 200
    pages = Page.objects.count()

    response = upload(admin_client, tmp_path, media_root=allowed)
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("catalogue:detail", args=[run.pk])
    report = admin_client.get(response.url).content.decode()
    assert "共 2 行：可导入 2 行，未通过 0 行" in report
    assert "开始导入" in report
    assert Page.objects.count() == pages  # the dry run wrote nothing
    assert run.status == RunStatus.CHECKED and not ImportRow.objects.exists()

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin_client.post(reverse("catalogue:start", args=[run.pk]))
    assert response.status_code == 302
    assert len(queued) == 2  # one task per row
    progress = admin_client.get(reverse("catalogue:detail", args=[run.pk]))
    assert "等待中 2 行" in progress.content.decode()

    for row in ImportRow.objects.all():  # what the worker does with each task
        import_row_run(import_row_id=row.pk)
    progress = admin_client.get(reverse("catalogue:detail", args=[run.pk])).content
    text = progress.decode()
    assert "已完成 2 行，失败 0 行，等待中 0 行" in text
    assert "后台导入的第 1 期" in text and "新建" in text
    assert EpisodePage.objects.filter(episode_number__in=[801, 802]).count() == 2

    # A run already begun cannot be started twice.
    again = admin_client.post(reverse("catalogue:start", args=[run.pk]))
    assert again.status_code == 404


def test_a_sheet_with_problems_is_reported_and_cannot_start(
    demo, admin_client, allowed, tmp_path
):
    rows = [ROWS[0], dict(ROWS[1], 期数="第二期", 媒体文件="missing.mp4")]
    response = upload(admin_client, tmp_path, rows, media_root=allowed)
    run = ImportRun.objects.get()
    text = admin_client.get(response.url).content.decode()
    assert "未通过 1 行" in text
    assert "<td>第 3 行</td><td>期数</td>" in text
    assert "<td>第 3 行</td><td>媒体文件</td>" in text
    assert "开始导入" not in text

    response = admin_client.post(reverse("catalogue:start", args=[run.pk]), follow=True)
    assert response.status_code == 200
    assert "目录中还有未通过检查的行" in response.content.decode()
    assert not ImportRow.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "root", "message"),
    [
        ("目录.doc", b"x", None, "只能导入 .xlsx 或 .csv 文件"),
        ("目录.xlsx", b"PK\x03\x04 not really", None, "无法读取这个 Excel 文件"),
        ("目录.csv", "名字\n乌兰\n".encode(), None, "第 1 行应是列名"),
        ("目录.xlsx", None, "/etc", "只能从服务器允许的媒体目录导入"),
        ("目录.xlsx", None, "../../..", "只能从服务器允许的媒体目录导入"),
        ("目录.xlsx", None, "nope", "媒体根目录不存在"),
        ("目录.xlsx", None, "", "必需字段"),
        ("目录.xlsx", b"x" * (10 * 1024 * 1024 + 1), None, "超过 10 MB"),
    ],
)
def test_bad_uploads_are_refused_in_chinese(
    demo, admin_client, allowed, tmp_path, name, data, root, message
):
    media_root = allowed if root is None else root
    response = upload(
        admin_client, tmp_path, name=name, data=data, media_root=media_root
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportRun.objects.exists()


def test_those_who_may_not_import_are_turned_away(demo, client, editor):
    client.force_login(editor)
    # Wagtail's admin answers a refusal by sending them back to the dashboard.
    for response in (
        client.get(reverse("catalogue:index")),
        client.post(reverse("catalogue:upload")),
    ):
        assert response.status_code == 302 and response.url == "/admin/"
    assert not ImportRun.objects.exists()


def test_failed_rows_can_be_retried_from_the_progress_page(
    demo, admin_client, allowed, tmp_path, django_capture_on_commit_callbacks
):
    upload(admin_client, tmp_path, media_root=allowed)
    run = ImportRun.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        admin_client.post(reverse("catalogue:start", args=[run.pk]))
    ImportRow.objects.filter(sheet_row=2).update(status=RowStatus.FAILED, reason="坏了")
    text = admin_client.get(reverse("catalogue:detail", args=[run.pk])).content.decode()
    assert "重试失败的行" in text and "坏了" in text

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin_client.post(reverse("catalogue:retry", args=[run.pk]))
    assert response.status_code == 302 and len(queued) == 1
    assert ImportRow.objects.get(sheet_row=2).status == RowStatus.WAITING


def test_the_report_downloads_as_excel(demo, admin_client, allowed, tmp_path):
    from io import BytesIO

    from openpyxl import load_workbook

    rows = [ROWS[0], dict(ROWS[1], 期数="x")]
    upload(admin_client, tmp_path, rows, media_root=allowed)
    run = ImportRun.objects.get()
    response = admin_client.get(reverse("catalogue:report", args=[run.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    refused = [row for row in sheet.iter_rows(values_only=True) if row[0] == 3]
    assert refused and refused[0][2] == "未通过检查"


def test_the_progress_page_costs_the_same_queries_for_3_or_20_rows(demo, admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cms.catalogue.models import RowOutcome
    from media_pipeline.models import MediaAsset

    pages = list(Page.objects.filter(depth__gte=3).order_by("pk")[:20])
    asset = MediaAsset.objects.first()

    def queries(n: int) -> int:
        run = ImportRun.objects.create(
            sheet_name=f"{n}.xlsx", media_root="/x", status=RunStatus.RUNNING
        )
        for i, page in enumerate(pages[:n]):
            ImportRow.objects.create(
                key=f"{n}|{i}",
                run=run,
                sheet_row=i + 2,
                status=RowStatus.DONE,
                outcome=RowOutcome.CREATED,
                page=page,
                asset=asset,
            )
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(reverse("catalogue:detail", args=[run.pk]))
        assert response.status_code == 200
        assert response.content.decode().count("<td>第 ") == n
        return len(captured)

    assert len(pages) == 20
    assert queries(3) == queries(20)
