"""The catalogue import fanned out to a real Celery worker process, killed
mid-import (SIGKILL) and resumed with the same command."""

import time

import pytest
from django.core.management import call_command

from cms.catalogue.models import ImportRow, RowStatus
from media_pipeline.models import MediaAsset
from syndication.models import Delivery

from .sheets import tiny_video, xlsx

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROWS = 6


def rows():
    return [
        {
            "类型": "短视频",
            "所属": "导入测试系列",
            "标题": f"第 {n} 集",
            "期数": n,
            "媒体文件": f"v{n}.mp4",
            "平台采用": "云上科普:2023-07-15",
        }
        for n in range(1, ROWS + 1)
    ]


def wait_for(condition, *, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_a_killed_worker_and_the_same_command_again_leave_one_page_and_asset_per_row(
    demo, celery_worker_process, tmp_path
):
    root = tmp_path / "media"
    for n in range(1, ROWS + 1):
        tiny_video(root / f"v{n}.mp4", colour_seconds=1 + n / 10)
    manifest = str(xlsx(rows(), tmp_path / "目录.xlsx"))
    command = ("import_catalogue", manifest, "--media-root", str(root), "--background")
    assets_before = MediaAsset.objects.count()

    # SQLite allows one writer: the command writes its run while the worker
    # is down (on PostgreSQL both go on at once).
    celery_worker_process.kill()
    call_command(*command, "--no-wait")
    celery_worker_process.start()
    wait_for(lambda: ImportRow.objects.filter(status=RowStatus.DONE).exists())
    celery_worker_process.kill()  # SIGKILL, mid-import
    done_at_kill = ImportRow.objects.filter(status=RowStatus.DONE).count()

    call_command(*command, "--no-wait")  # the same command again
    celery_worker_process.start()
    wait_for(lambda: not ImportRow.objects.exclude(status=RowStatus.DONE).exists())

    import_rows = list(ImportRow.objects.select_related("page"))
    assert len(import_rows) == ROWS
    assert {row.status for row in import_rows} == {RowStatus.DONE}, [
        (row.sheet_row, row.reason) for row in import_rows
    ]
    pages = {row.page_id for row in import_rows}
    assert len(pages) == ROWS
    series = import_rows[0].page.get_parent()
    assert series.get_children().count() == ROWS  # nothing made twice
    assert MediaAsset.objects.count() - assets_before == ROWS
    assert len({row.asset_id for row in import_rows}) == ROWS
    assert Delivery.objects.filter(page_id__in=pages).count() == ROWS
    print(f"rows done when the worker was killed: {done_at_kill} of {ROWS}")
