"""Packages for manual upload: the zip holds what its manifest says, with
matching SHA-256 sums, read back with zipfile and hashlib and checked by the
system's own ``sha256sum -c``; built through storage, on disk and on S3."""

import hashlib
import io
import json
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from media_pipeline.zip_packer import MANIFEST_NAME, verify_zip
from syndication.models import DeliveryMethod, DeliveryState, Via
from syndication.packages import (
    package_build,
    package_list,
)
from syndication.services import delivery_create, delivery_transition
from syndication.tasks import build_package
from syndication.workflow import delivery_run_qc

from .builders import (
    MP4_BYTES,
    build_asset,
    delivery_profile,
    make_manager,
    platform,
    private_storage,
    short_video,
)

pytestmark = pytest.mark.django_db
S = DeliveryState


@pytest.fixture
def package_storage(settings, tmp_path):
    return private_storage(settings, tmp_path)


@pytest.fixture
def manager(db):
    return make_manager()


def package_delivery():
    profile = delivery_profile(
        platform("yangshipin"),
        method=DeliveryMethod.PACKAGE,
        cover_sizes=["1920x1080", "640x360", "300x400"],
    )
    asset = build_asset(store_files=True, duration=183.4)
    page = short_video("鄂尔多斯古如歌（打包测试）", asset=asset)
    return delivery_create(page=page, profile=profile)


def read_package(name: str) -> zipfile.ZipFile:
    with default_storage.open(name, "rb") as stream:
        return zipfile.ZipFile(io.BytesIO(stream.read()))


def test_the_zip_holds_what_its_manifest_says(demo, package_storage, manager):
    delivery = delivery_run_qc(delivery=package_delivery(), actor=manager)
    assert delivery.state == S.READY

    name = package_build(delivery=delivery)

    assert name.startswith(f"syndication/packages/{delivery.pk}/1/")
    assert name.endswith(".zip")
    archive = read_package(name)
    names = set(archive.namelist())
    manifest = archive.read(MANIFEST_NAME).decode()
    listed = {}
    for line in manifest.splitlines():
        digest, entry = line.split("  ", 1)
        listed[entry] = digest
    assert set(listed) == names - {MANIFEST_NAME}
    for entry, digest in listed.items():
        assert hashlib.sha256(archive.read(entry)).hexdigest() == digest, entry
    media = f"yangshipin-{delivery.pk}-v1.mp4"
    assert {
        media,
        "cover-1920x1080.jpg",
        "cover-640x360.jpg",
        "cover-300x400.jpg",
        "metadata.json",
        "metadata.xml",
    } <= names
    assert archive.read(media) == MP4_BYTES
    # Media goes in as it is: compressing video gains nothing.
    assert archive.getinfo(media).compress_type == zipfile.ZIP_STORED
    for size in ((1920, 1080), (640, 360), (300, 400)):
        entry = f"cover-{size[0]}x{size[1]}.jpg"
        with Image.open(io.BytesIO(archive.read(entry))) as cover:
            assert cover.format == "JPEG" and cover.size == size


def test_the_metadata_sidecars_say_what_the_page_says(demo, package_storage):
    delivery = package_delivery()
    archive = read_package(package_build(delivery=delivery))
    metadata = json.loads(archive.read("metadata.json"))
    page = delivery.page.specific

    assert metadata["title"] == "鄂尔多斯古如歌（打包测试）"
    assert metadata["description"] == page.summary
    assert metadata["credits"] == [
        {"role": "导演", "name": "陈思源"},
        {"role": "主讲", "name": "其木格"},
    ]
    assert metadata["producing_unit"] == "鄂尔多斯市科学技术协会"
    assert metadata["rights_holder"] == "鄂尔多斯市科学技术协会"
    assert metadata["duration_seconds"] == 183.4
    assert metadata["duration"] == "3 分 3 秒"
    assert metadata["language"] == "zh-CN"
    assert metadata["programme_or_series"] == "百嘎丽带你看非遗里的科普"
    assert metadata["episode_number"] == page.number_in_series
    assert metadata["version"] == 1
    assert metadata["source_sha256"] == page.media_asset.sha256
    assert any("字幕" in note for note in metadata["notes"])

    root = ET.fromstring(archive.read("metadata.xml"))
    assert root.tag == "delivery-package"
    assert root.findtext("title") == metadata["title"]
    assert root.findtext("producing-unit") == "鄂尔多斯市科学技术协会"
    assert root.findtext("episode-number") == str(page.number_in_series)
    credits = [(c.get("role"), c.text) for c in root.find("credits")]
    assert credits == [("导演", "陈思源"), ("主讲", "其木格")]


def test_sha256sum_accepts_the_manifest(demo, package_storage, tmp_path):
    archive = read_package(package_build(delivery=package_delivery()))
    folder = tmp_path / "unpacked"
    archive.extractall(folder)
    result = subprocess.run(
        ["sha256sum", "--check", "--strict", MANIFEST_NAME],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK") == len(archive.namelist()) - 1


def test_a_tampered_package_fails_verification(demo, package_storage):
    archive = read_package(package_build(delivery=package_delivery()))
    assert verify_zip(io.BytesIO(_rezip(archive))) == []
    tampered = _rezip(archive, replace={"metadata.json": b"{}"})
    assert verify_zip(io.BytesIO(tampered)) == ["metadata.json"]


def _rezip(archive: zipfile.ZipFile, replace=None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for info in archive.infolist():
            out.writestr(info, (replace or {}).get(info.filename) or archive.read(info))
    return buffer.getvalue()


def test_versions_follow_the_ledger_and_a_rebuild_replaces(
    demo, package_storage, manager
):
    delivery = delivery_run_qc(delivery=package_delivery(), actor=manager)
    first = package_build(delivery=delivery)
    assert package_build(delivery=delivery) == first
    assert [p["version"] for p in package_list(delivery)] == [1]

    delivery = delivery_transition(
        delivery=delivery, to_state=S.DELIVERED, via=Via.ADMIN, actor=manager
    )
    assert package_build(delivery=delivery) == first  # version 1 went out
    delivery = delivery_transition(
        delivery=delivery, to_state=S.WITHDRAWN, via=Via.ADMIN, reason="换新版"
    )
    second = package_build(delivery=delivery)
    assert f"/{delivery.pk}/2/" in second
    assert [p["version"] for p in package_list(delivery)] == [2, 1]


def test_the_task_builds_the_package(demo, package_storage):
    delivery = package_delivery()
    name = build_package.apply(args=(delivery.pk,)).get()
    assert default_storage.exists(name)
    assert build_package.apply(args=(0,)).get() == ""


def test_packages_are_built_and_stored_on_s3(demo, s3_storage):
    delivery = package_delivery()
    name = package_build(delivery=delivery)
    assert s3_storage.exists(name)
    archive = read_package(name)
    assert archive.read(f"yangshipin-{delivery.pk}-v1.mp4") == MP4_BYTES
    assert "cover-640x360.jpg" in archive.namelist()
