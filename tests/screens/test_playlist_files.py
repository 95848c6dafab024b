"""A playlist's files per screen size, made through the services with the
real ffmpeg and stored, and the zip operators download: its manifest and
playlist.json checked against the bytes in it."""

import hashlib
import io
import json
import subprocess
import time
import zipfile

import pytest

from media_pipeline.zip_packer import MANIFEST_NAME, verify_zip
from screens.models import RenditionStatus, ScreenRendition, ScreenSize
from screens.packages import playlist_document, playlist_package
from screens.services import PlaylistNotReady, playlist_renditions_request
from tests.media_pipeline.media import probe_streams

from .builders import film_asset, make_files, make_network, make_playlist, slide_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def playlist(media_root, tmp_path):
    network = make_network()
    film = film_asset(tmp_path)
    return make_playlist(
        network,
        {"media_asset": film},
        {"image": slide_image(), "slide_seconds": 7},
    )


def _stored(rendition: ScreenRendition) -> bytes:
    with rendition.file.open("rb") as stream:
        return stream.read()


def test_each_item_gets_a_file_per_screen_size_with_its_facts(playlist, tmp_path):
    make_files(playlist)
    renditions = ScreenRendition.objects.filter(item__playlist=playlist)
    assert renditions.count() == 4
    for rendition in renditions.select_related("size", "item"):
        assert rendition.status == RenditionStatus.READY, rendition.failure_reason
        content = _stored(rendition)
        assert rendition.sha256 == hashlib.sha256(content).hexdigest()
        assert rendition.bytes == len(content)
        size = rendition.size
        assert (rendition.width, rendition.height) == (size.width, size.height)
        if rendition.item.kind == "film":
            local = tmp_path / f"check-{rendition.pk}.mp4"
            local.write_bytes(content)
            streams = probe_streams(local)["streams"]
            video = next(s for s in streams if s["codec_type"] == "video")
            assert (video["width"], video["height"]) == (size.width, size.height)
            has_audio = any(s["codec_type"] == "audio" for s in streams)
            assert has_audio == size.has_sound == rendition.has_audio
            # Subtitles are burned in only where there is no sound.
            assert rendition.burned_subtitles == (not size.has_sound)
            assert rendition.duration == pytest.approx(1.2, abs=0.05)
        else:
            assert content[:3] == b"\xff\xd8\xff"  # JPEG
            assert rendition.duration == 7


def test_the_zip_carries_every_file_with_its_checksum_and_duration(playlist):
    make_files(playlist)
    name = playlist_package(playlist)
    playlist.refresh_from_db()
    with playlist.package.open("rb") as stream:
        data = stream.read()
    assert name == playlist.package.name
    assert verify_zip(io.BytesIO(data)) == []
    archive = zipfile.ZipFile(io.BytesIO(data))
    document = json.loads(archive.read("playlist.json"))
    manifest_lines = archive.read(MANIFEST_NAME).decode().splitlines()
    manifest = dict(reversed(line.split("  ", 1)) for line in manifest_lines)

    assert [s["folder"] for s in document["sizes"]] == [
        "768x384-silent",
        "1920x540-sound",
    ]
    for size in document["sizes"]:
        assert [i["kind"] for i in size["items"]] == ["film", "slide"]
        assert [i["position"] for i in size["items"]] == [1, 2]
        for item in size["items"]:
            content = archive.read(item["file"])
            digest = hashlib.sha256(content).hexdigest()
            assert item["sha256"] == digest == manifest[item["file"]]
            assert item["bytes"] == len(content)
        film, slide = size["items"]
        assert film["duration"] == pytest.approx(1.2, abs=0.05)
        assert slide["duration"] == 7
        assert size["loop_seconds"] == pytest.approx(film["duration"] + 7)
        assert (film["width"], film["height"]) == (size["width"], size["height"])
    silent, sound = document["sizes"]
    assert silent["has_sound"] is False and silent["items"][0]["has_audio"] is False
    assert sound["items"][0]["has_audio"] is True
    assert document["playlist"]["valid_from"] == playlist.valid_from.isoformat()
    # Every entry but the manifest itself is listed in it.
    assert set(manifest) == set(archive.namelist()) - {MANIFEST_NAME}

    # Nothing changed: the same zip is served, not rebuilt.
    assert playlist_package(playlist) == name


def test_the_zip_is_refused_until_every_file_is_made(playlist):
    with pytest.raises(PlaylistNotReady, match="还有 4 个屏幕文件没有生成好"):
        playlist_document(playlist)
    assert not playlist.package


def test_only_files_whose_source_or_size_changed_are_made_again(playlist):
    make_files(playlist)
    before = {
        r.pk: r.sha256 for r in ScreenRendition.objects.filter(item__playlist=playlist)
    }
    size = ScreenSize.objects.get(network=playlist.network, width=768)
    size.fit = "crop"
    size.save()
    renditions = playlist_renditions_request(playlist=playlist, dispatch=False)
    pending = {r.pk for r in renditions if r.status == RenditionStatus.PENDING}
    assert pending == {r.pk for r in renditions if r.size_id == size.pk}
    assert len(pending) == 2
    with pytest.raises(PlaylistNotReady):
        playlist_document(playlist)
    make_files(playlist)
    after = {
        r.pk: r.sha256 for r in ScreenRendition.objects.filter(item__playlist=playlist)
    }
    assert {pk for pk in after if after[pk] != before[pk]} == pending


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_makes_the_files_on_the_transcode_queue(
    celery_worker_process, tmp_path
):
    network = make_network(slug="worker-bus")
    playlist = make_playlist(
        network, {"image": slide_image("工作进程图片"), "slide_seconds": 5}
    )
    playlist_renditions_request(playlist=playlist)  # autocommit: sent now
    renditions = ScreenRendition.objects.filter(item__playlist=playlist)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if not renditions.exclude(
            status__in=(RenditionStatus.READY, RenditionStatus.FAILED)
        ).exists():
            break
        time.sleep(0.3)
    statuses = list(renditions.values_list("status", "failure_reason"))
    assert statuses == [(RenditionStatus.READY, "")] * 2, celery_worker_process.log()[
        -3000:
    ]
    log = celery_worker_process.log()
    assert "screens.tasks.screen_rendition_make" in log
    for rendition in renditions:
        rendition.file.storage.delete(rendition.file.name)


def test_ffprobe_reads_the_zips_film_as_a_player_would(playlist, tmp_path):
    make_files(playlist)
    playlist_package(playlist)
    playlist.refresh_from_db()
    with playlist.package.open("rb") as stream:
        zipfile.ZipFile(stream).extractall(tmp_path / "unpacked")
    film = next((tmp_path / "unpacked" / "768x384-silent").glob("01-film.mp4"))
    frames = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=nb_read_frames,r_frame_rate",
            "-of",
            "json",
            str(film),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    stream = json.loads(frames)["streams"][0]
    assert stream["r_frame_rate"] == "25/1"
    assert int(stream["nb_read_frames"]) == 30  # 1.2 s at 25 fps


def test_deleting_a_playlist_removes_its_files_and_zip(
    playlist, media_root, django_capture_on_commit_callbacks
):
    make_files(playlist)
    playlist_package(playlist)
    playlist.refresh_from_db()
    names = [
        r.file.name for r in ScreenRendition.objects.filter(item__playlist=playlist)
    ]
    names.append(playlist.package.name)
    assert all((media_root / name).is_file() for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        playlist.delete()
    assert not any((media_root / name).exists() for name in names)
