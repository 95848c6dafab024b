"""Proof of broadcast: an as-run log generated here is matched to airings,
which come out aired, late, short or missing with the difference; lines
that match nothing are listed; bad files are refused with Chinese reasons."""

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from cms.schedules.asrun import asrun_import
from cms.schedules.models import Airing, AiringStatus, AsRunLine
from cms.schedules.services import airing_schedule, schedule_channel_for
from cms.schedules.timezones import local_datetime

from .builders import make_channel, make_episode, make_programme

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 7)
HEADER = ["频道", "实际开始", "实际结束", "节目名称", "节目库号"]


@pytest.fixture
def world(demo):
    channel = make_channel()
    programme = make_programme(title="核对节目", slug="asrun-programme")
    episodes = [make_episode(programme, n, title=f"第{n}课") for n in range(1, 6)]

    def at(hour, minute=0, *, episode=None, house_number="", day=DAY):
        start = local_datetime(day, dt.time(hour, minute))
        return airing_schedule(
            channel=channel,
            programme=programme,
            episode=episode,
            start_at=start,
            end_at=start + dt.timedelta(minutes=30),
            house_number=house_number,
        )

    airings = {
        "on_time": at(8, episode=episodes[0]),
        "late": at(10, episode=episodes[1]),
        "short": at(12, episode=episodes[2]),
        "missing": at(14, episode=episodes[3]),
        "by_house_number": at(16, episode=episodes[4], house_number="BGL-0955"),
        # The next day is not in the log: it is not its business.
        "next_day": at(8, day=DAY + dt.timedelta(days=1)),
    }
    return {"channel": channel, "airings": airings}


def log_rows(channel):
    """An as-run log as a station writes it, times in Beijing time."""

    def t(hour, minute=0, second=0):
        return f"{DAY:%Y-%m-%d} {hour:02d}:{minute:02d}:{second:02d}"

    name = channel.name
    return [
        HEADER,
        [name, t(8, 0, 12), t(8, 30, 12), "核对节目 第1课", ""],
        [name, t(10, 5), t(10, 35), "第2课", ""],
        [name, t(12), t(12, 20), "《核对节目》第3课", ""],
        [name, t(16), t(16, 30), "", "BGL-0955"],
        [name, t(18, 3), t(18, 4), "临时插播的公益广告", ""],
    ]


def csv_bytes(rows, encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def check_outcome(world, log):
    airings = {k: Airing.objects.get(pk=a.pk) for k, a in world["airings"].items()}
    assert airings["on_time"].status == AiringStatus.AIRED
    assert airings["on_time"].start_difference == dt.timedelta(seconds=12)
    assert airings["late"].status == AiringStatus.LATE
    assert airings["late"].start_difference == dt.timedelta(minutes=5)
    assert airings["late"].difference_label == "晚 5:00"
    assert airings["short"].status == AiringStatus.SHORT
    assert airings["short"].duration_difference == -dt.timedelta(minutes=10)
    assert airings["short"].difference_label == "短 10:00"
    assert airings["missing"].status == AiringStatus.MISSING
    assert airings["by_house_number"].status == AiringStatus.AIRED
    assert airings["next_day"].status == AiringStatus.SCHEDULED
    unmatched = AsRunLine.objects.filter(log=log, airing__isnull=True)
    assert [(line.line_number, line.title) for line in unmatched] == [
        (6, "临时插播的公益广告")
    ]
    assert log.first_day == log.last_day == DAY


def test_utf8_csv_log_marks_aired_late_short_missing_and_lists_unmatched(world):
    log = asrun_import(
        channel=world["channel"],
        file_name="asrun.csv",
        content=csv_bytes(log_rows(world["channel"])),
    )
    check_outcome(world, log)


def test_command_reads_a_gb18030_log(world, tmp_path):
    path = tmp_path / "播出记录.csv"
    path.write_bytes(csv_bytes(log_rows(world["channel"]), encoding="gb18030"))
    out = io.StringIO()
    slug = schedule_channel_for(channel=world["channel"]).slug
    call_command("import_asrun", str(path), "--channel", slug, stdout=out)
    text = out.getvalue()
    assert "已播出 2，延迟 1，播出不足 1，未播出 1，未匹配的记录 1 行" in text
    assert "临时插播的公益广告" in text
    from cms.schedules.models import AsRunImport

    check_outcome(world, AsRunImport.objects.latest("pk"))


def test_command_refuses_unknown_channel_and_bad_file(world, tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"\xff\xfe\x00\x80\xff")
    slug = schedule_channel_for(channel=world["channel"]).slug
    with pytest.raises(CommandError, match="没有网址标识为“nope”的频道"):
        call_command("import_asrun", str(path), "--channel", "nope")
    with pytest.raises(CommandError, match="UTF-8 也不是 GB18030"):
        call_command("import_asrun", str(path), "--channel", slug)


def test_admin_upload_of_an_excel_log(client, superuser, world):
    client.force_login(superuser)
    upload = io.BytesIO(xlsx_bytes(log_rows(world["channel"])))
    upload.name = "asrun.xlsx"
    response = client.post(
        reverse("schedules_asrun:upload"),
        {"channel": world["channel"].pk, "file": upload},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "未匹配的记录（1）" in html and "临时插播的公益广告" in html
    assert "未播出（1）" in html and "晚 5:00" in html and "短 10:00" in html
    from cms.schedules.models import AsRunImport

    log = AsRunImport.objects.latest("pk")
    check_outcome(world, log)
    line = AsRunLine.objects.get(log=log, airing__isnull=True)
    client.post(reverse("schedules_asrun:resolve", args=[line.pk]))
    line.refresh_from_db()
    assert line.resolved
    assert client.get(reverse("schedules_asrun:index")).status_code == 200


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "文件是空的"),
        (csv_bytes([["频道", "开始", "节目名称"]]), "缺少列：实际开始、实际结束"),
        (
            csv_bytes(
                [["实际开始", "实际结束"], ["2026-03-07 08:00", "2026-03-07 09:00"]]
            ),
            "“节目名称”或“节目库号”",
        ),
        (csv_bytes([HEADER]), "没有播出记录"),
        (
            csv_bytes([HEADER, ["", "昨天八点", "2026-03-07 09:00", "x", ""]]),
            "第 2 行：实际开始或结束时间无法识别",
        ),
        (
            csv_bytes([HEADER, ["", "2026-03-07 09:00", "2026-03-07 08:00", "x", ""]]),
            "第 2 行：结束时间须晚于开始时间",
        ),
        (
            csv_bytes(
                [HEADER, ["别的台", "2026-03-07 08:00", "2026-03-07 09:00", "x", ""]]
            ),
            "第 2 行：频道“别的台”不是所选的",
        ),
        (b"PK\x03\x04 not really a workbook", "Excel 文件已损坏"),
    ],
)
def test_bad_files_are_refused_with_reasons(client, superuser, world, content, reason):
    with pytest.raises(ValidationError) as refused:
        asrun_import(channel=world["channel"], file_name="log.csv", content=content)
    assert any(reason in message for message in refused.value.messages)
    # The admin shows the same reason on the form, not a 500.
    client.force_login(superuser)
    upload = io.BytesIO(content)
    upload.name = "log.csv"
    response = client.post(
        reverse("schedules_asrun:upload"),
        {"channel": world["channel"].pk, "file": upload},
    )
    assert response.status_code == 200
    if content:  # Django's own "empty file" message covers the empty upload.
        assert reason in response.content.decode()
    assert not Airing.objects.filter(
        channel=world["channel"], status=AiringStatus.MISSING
    ).exists()


def test_dashboard_rows_count_what_their_listings_show(client, world):
    from bs4 import BeautifulSoup

    from tests.cms.test_dashboard_todo import todo_rows
    from tests.conftest import make_user

    asrun_import(
        channel=world["channel"],
        file_name="asrun.csv",
        content=csv_bytes(log_rows(world["channel"])),
    )
    editor = make_user("schedule-editor", groups=["编辑"])
    rows = todo_rows(client, editor)
    missing, missing_url = rows["近四周未播出的节目"]
    unmatched, unmatched_url = rows["播出记录中未匹配、待处理的行"]
    # The test log's day (in March) is long past: only the demo's missing
    # airing is within the last four weeks.
    assert (
        missing
        == Airing.objects.filter(
            status=AiringStatus.MISSING, channel__schedule__slug="ordos-news"
        ).count()
    )
    assert unmatched == AsRunLine.objects.filter(airing__isnull=True).count() >= 1
    for count, url in ((missing, missing_url), (unmatched, unmatched_url)):
        listing = BeautifulSoup(client.get(url).content, "html.parser")
        assert len(listing.select("table.listing tbody tr")) == count, url
    producer = make_user("schedule-producer", groups=["制片"])
    assert "近四周未播出的节目" not in todo_rows(client, producer)
