"""Operators' play logs through the as-run import
(``import_asrun FILE --network SLUG``): plays matched by title to the items
of the playlists in force that day, the rest listed; bad logs refused."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from cms.schedules.timezones import SCHEDULE_TZ
from screens.models import PlayRecord, Screen, ScreenSize

from .builders import make_network, make_playlist, slide_image

pytestmark = pytest.mark.django_db

HEADER = "频道,实际开始,实际结束,节目名称"


@pytest.fixture
def network():
    network = make_network("log-net")
    Screen.objects.create(
        network=network,
        name="K9 路 001",
        size=ScreenSize.objects.get(network=network, width=768),
    )
    return network


@pytest.fixture
def playlist(network):
    return make_playlist(
        network,
        {"image": slide_image("沙漠绿化"), "slide_seconds": 8},
        {"image": slide_image("草原星空"), "slide_seconds": 6},
    )


def _log(tmp_path, *rows, name="play.csv") -> str:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]), encoding="utf-8")
    return str(path)


def _day(playlist) -> str:
    return f"{playlist.valid_from + dt.timedelta(days=1):%Y-%m-%d}"


def test_plays_are_matched_to_the_playlists_items(tmp_path, network, playlist, capsys):
    day = _day(playlist)
    log = _log(
        tmp_path,
        f"K9 路 001,{day} 08:00:00,{day} 08:00:08,《沙漠绿化》",
        f"K9 路 001,{day} 08:00:08,{day} 08:00:14,草原星空",
        f"K9 路 001,{day} 08:00:14,{day} 08:00:44,别家广告",
    )
    call_command("import_asrun", log, "--network", "log-net")
    out = capsys.readouterr().out
    assert "播放 3 次（新记录 3）" in out and "对应播放条目 2 次" in out
    assert "未匹配：第 4 行 别家广告" in out

    plays = {p.title: p for p in PlayRecord.objects.filter(network=network)}
    desert, grass = playlist.items.order_by("sort_order")
    assert plays["《沙漠绿化》"].item == desert
    assert plays["草原星空"].item == grass
    assert plays["别家广告"].item is None
    assert plays["草原星空"].started_at == dt.datetime(
        *map(int, day.split("-")), 8, 0, 8, tzinfo=SCHEDULE_TZ
    )

    # The same log again records nothing twice.
    call_command("import_asrun", log, "--network", "log-net")
    assert "新记录 0" in capsys.readouterr().out
    assert PlayRecord.objects.filter(network=network).count() == 3


def test_a_play_outside_the_playlists_validity_matches_nothing(
    tmp_path, network, playlist, capsys
):
    after = f"{playlist.valid_until + dt.timedelta(days=2):%Y-%m-%d}"
    log = _log(tmp_path, f"K9 路 001,{after} 08:00:00,{after} 08:00:08,沙漠绿化")
    call_command("import_asrun", log, "--network", "log-net")
    assert PlayRecord.objects.get(network=network).item is None


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("别的屏,{day} 08:00:00,{day} 08:00:08,沙漠绿化", "屏幕“别的屏”不属于"),
        ("K9 路 001,{day} 08:00:08,{day} 08:00:00,沙漠绿化", "结束时间须晚于开始时间"),
        ("K9 路 001,昨天早上,{day} 08:00:00,沙漠绿化", "实际开始或结束时间无法识别"),
    ],
)
def test_a_bad_log_is_refused_whole_with_the_reason(
    tmp_path, network, playlist, row, reason
):
    day = _day(playlist)
    good = f"K9 路 001,{day} 09:00:00,{day} 09:00:08,沙漠绿化"
    log = _log(tmp_path, good, row.format(day=day))
    with pytest.raises(CommandError, match=f"第 3 行：.*{reason}"):
        call_command("import_asrun", log, "--network", "log-net")
    assert not PlayRecord.objects.filter(network=network).exists()


def test_an_unknown_network_is_named_with_the_known_ones(tmp_path, network):
    log = _log(tmp_path, "K9 路 001,2026-05-01 08:00:00,2026-05-01 08:00:08,沙漠绿化")
    with pytest.raises(
        CommandError, match="没有网址标识为“nowhere”的屏幕网络.*log-net"
    ):
        call_command("import_asrun", log, "--network", "nowhere")


def test_a_channel_or_a_network_but_not_both(tmp_path, network):
    log = _log(tmp_path)
    with pytest.raises(CommandError):
        call_command("import_asrun", log, "--network", "log-net", "--channel", "x")


def test_the_admin_upload_records_plays_and_refuses_a_bad_log(
    client, network, playlist
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tests.conftest import make_user

    client.force_login(make_user("plays-manager", groups=["分发管理"]))
    day = _day(playlist)
    index = client.get(reverse("screens_plays:index")).content.decode()
    assert "导入播放记录" in index
    upload = reverse("screens_plays:upload")

    bad = "\n".join([HEADER, f"K9 路 001,{day} 08:00:08,{day} 08:00:00,沙漠绿化"])
    response = client.post(
        upload,
        {
            "network": network.pk,
            "file": SimpleUploadedFile("bad.csv", bad.encode("gb18030")),
        },
    )
    assert response.status_code == 200
    assert "第 2 行：结束时间须晚于开始时间" in response.content.decode()
    assert not PlayRecord.objects.filter(network=network).exists()

    good = "\n".join([HEADER, f"K9 路 001,{day} 08:00:00,{day} 08:00:08,沙漠绿化"])
    response = client.post(
        upload,
        {
            "network": network.pk,
            "file": SimpleUploadedFile("good.csv", good.encode("gb18030")),
        },
        follow=True,
    )
    assert "对应播放条目 1 次" in response.content.decode()
    assert PlayRecord.objects.get(network=network).item.title == "沙漠绿化"

    client.force_login(make_user("plays-producer", groups=["制片"]))
    assert (
        "导入播放记录"
        not in client.get(reverse("screens_plays:index")).content.decode()
    )
    assert client.get(upload).status_code == 302
