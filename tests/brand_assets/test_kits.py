"""Download kits: rebuilt when a version is approved and not otherwise; the
zip holds the approved files, a usage guide and a manifest whose checksums
match; concurrent builds record one zip; a real worker builds them."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from brand_assets import kits as kits_module
from brand_assets.kits import (
    GUIDE_NAME,
    MANIFEST_JSON_NAME,
    kit_build,
    kit_fingerprint,
)
from brand_assets.models import (
    AssetDownload,
    BrandKit,
    DownloadVia,
    KitStatus,
    VariantRole,
)
from brand_assets.services import asset_version_create, version_approve
from brand_assets.tasks import build_kit
from media_pipeline.zip_packer import MANIFEST_NAME, read_manifest
from tests.brand_assets.builders import (
    MARK_SVG,
    brand_asset,
    brand_kit,
    image_bytes,
    png_bytes,
    source_bytes,
    uploaded_variant,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled():
    """The builds scheduled (``build_kit.apply_async`` calls), not sent."""
    with mock.patch.object(build_kit, "apply_async") as apply_async:
        yield apply_async


@pytest.fixture
def build(django_capture_on_commit_callbacks):
    """Run the build task as a worker would, with what it leaves to run after
    its commit (removing replaced zips) run too."""

    def run(kit: BrandKit, **kwargs) -> BrandKit:
        with django_capture_on_commit_callbacks(execute=True):
            build_kit(kit.pk, **kwargs)
        kit.refresh_from_db()
        return kit

    return run


def scheduled_kit_ids(apply_async) -> list[int]:
    for call in apply_async.call_args_list:
        assert call.kwargs["queue"] == "default"
    return [call.kwargs["args"][0] for call in apply_async.call_args_list]


def mark_with_version(name="套件测试标志", **fields):
    """An asset whose approved version 1 has an SVG and a PNG."""
    asset = brand_asset(name, **fields)
    version = asset_version_create(asset=asset)
    uploaded_variant(version, "mark.svg", MARK_SVG, label="矢量")
    uploaded_variant(version, "mark.png", png_bytes(96, 96), position=1)
    version_approve(version=version)
    return asset, version


def read_zip(kit: BrandKit) -> zipfile.ZipFile:
    with default_storage.open(kit.file.name, "rb") as stream:
        return zipfile.ZipFile(io.BytesIO(stream.read()))


def assert_manifest_matches(archive: zipfile.ZipFile) -> dict[str, str]:
    manifest = read_manifest(archive)
    entries = set(archive.namelist()) - {MANIFEST_NAME}
    assert set(manifest) == entries
    for name, digest in manifest.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
    return manifest


def test_approving_a_version_rebuilds_the_kit(
    scheduled, build, django_capture_on_commit_callbacks
):
    asset, v1 = mark_with_version()
    kit = build(brand_kit("标志套件（测试）", [asset]))
    assert kit.status == KitStatus.READY
    first_file, first_fingerprint = kit.file.name, kit.fingerprint
    assert kit.build_count == 1 and kit.built_at is not None
    assert first_file.startswith(f"brand/kits/{kit.slug}-{first_fingerprint[:12]}")

    v2 = asset_version_create(asset=asset, notes="新配色")
    new_png = uploaded_variant(v2, "mark-v2.png", image_bytes("PNG", 128, 128))
    new_svg = uploaded_variant(v2, "mark-v2.svg", MARK_SVG.replace(b"#0a7", b"#f2b705"))
    with django_capture_on_commit_callbacks(execute=True):
        version_approve(version=v2)
    assert scheduled_kit_ids(scheduled) == [kit.pk]

    kit = build(kit)
    assert kit.status == KitStatus.READY
    assert kit.build_count == 2
    assert kit.fingerprint != first_fingerprint
    assert kit.fingerprint == kit_fingerprint(kit)
    assert kit.file.name != first_file
    assert not default_storage.exists(first_file)  # the old zip is removed

    archive = read_zip(kit)
    manifest = assert_manifest_matches(archive)
    folder = asset.name
    files = {
        name.split("/", 1)[1]: digest
        for name, digest in manifest.items()
        if name.startswith(f"{folder}/")
    }
    # Exactly version 2's files and the guide: nothing of version 1.
    assert files.keys() == {"mark-v2.png", "mark-v2.svg", GUIDE_NAME}
    assert files["mark-v2.png"] == new_png.sha256
    assert files["mark-v2.svg"] == new_svg.sha256
    assert v1.variants.count() == 2

    guide = archive.read(f"{folder}/{GUIDE_NAME}").decode()
    assert asset.name in guide and "第 2 版" in guide
    assert f"{new_png.sha256}  mark-v2.png" in guide
    assert "网络与新媒体" in guide  # the allowed uses, in Chinese
    assert kit.size == default_storage.size(kit.file.name)


def test_building_again_with_nothing_changed_does_nothing(scheduled, build):
    asset, _version = mark_with_version()
    kit = build(brand_kit("不变的套件", [asset]))
    name, count = kit.file.name, kit.build_count
    modified = default_storage.get_modified_time(name)

    for _ in range(2):
        kit = build(kit)
    assert kit.build_count == count == 1
    assert kit.file.name == name
    assert default_storage.get_modified_time(name) == modified
    assert sorted(kit_files(kit)) == [name.rsplit("/", 1)[1]]


def kit_files(kit: BrandKit) -> list[str]:
    _dirs, files = default_storage.listdir("brand/kits")
    return [f for f in files if f.startswith(f"{kit.slug}-")]


def test_an_unapproved_version_does_not_trigger_a_rebuild(
    scheduled, build, django_capture_on_commit_callbacks
):
    asset, _version = mark_with_version()
    kit = build(brand_kit("等待审定的套件", [asset]))
    fingerprint = kit.fingerprint

    with django_capture_on_commit_callbacks(execute=True):
        draft = asset_version_create(asset=asset, notes="草稿")
        uploaded_variant(draft, "draft.png", image_bytes("PNG", 80, 80))
    assert scheduled.call_count == 0
    # Even a build run anyway leaves the kit as it was: only approved
    # versions count.
    assert kit_fingerprint(kit) == fingerprint
    kit = build(kit)
    assert kit.build_count == 1
    names = read_zip(kit).namelist()
    assert not any(name.endswith("draft.png") for name in names)


def test_design_sources_only_when_the_kit_includes_them(scheduled, build):
    asset = brand_asset("带源文件的标志")
    version = asset_version_create(asset=asset)
    uploaded_variant(version, "mark.svg", MARK_SVG)
    uploaded_variant(version, "mark.ai", source_bytes(), role=VariantRole.SOURCE)
    version_approve(version=version)
    kit = build(brand_kit("源文件套件", [asset]))
    assert not any(n.endswith("mark.ai") for n in read_zip(kit).namelist())

    kit.include_sources = True
    kit.save(update_fields=["include_sources"])
    kit = build(kit)
    assert kit.build_count == 2
    archive = read_zip(kit)
    assert f"{asset.name}/mark.ai" in archive.namelist()
    assert_manifest_matches(archive)


def test_kit_lists_assets_without_an_approved_version_in_its_notes(scheduled, build):
    asset, _version = mark_with_version()
    pending = brand_asset("尚未审定的吉祥物")
    kit = build(brand_kit("混合套件", [asset, pending]))
    assert kit.status == KitStatus.READY
    assert "尚未审定的吉祥物" in kit.build_notes
    archive = read_zip(kit)
    assert f"{pending.name}/{GUIDE_NAME}" in archive.namelist()
    assert "还没有审定的版本" in archive.read(f"{pending.name}/{GUIDE_NAME}").decode()
    manifest_json = archive.read(MANIFEST_JSON_NAME).decode()
    assert '"version": null' in manifest_json


def test_a_file_that_no_longer_matches_its_checksum_fails_the_build(scheduled, build):
    asset, version = mark_with_version()
    kit = brand_kit("损坏文件的套件", [asset])
    variant = version.variants.get(format="png")
    name = variant.file.name
    default_storage.delete(name)
    default_storage.save(name, io.BytesIO(png_bytes(10, 10)))

    kit = build(kit)
    assert kit.status == KitStatus.FAILED
    assert "SHA-256" in kit.failure_reason
    assert not kit.file


def test_a_storage_outage_fails_the_build_for_a_retry(scheduled):
    asset, _version = mark_with_version()
    kit = brand_kit("存储故障的套件", [asset])
    with (
        mock.patch.object(default_storage, "save", side_effect=OSError("存储不可达")),
        pytest.raises(OSError),
    ):
        kit_build(kit_id=kit.pk)
    kit.refresh_from_db()
    assert kit.status == KitStatus.FAILED
    assert "稍后将自动重试" in kit.failure_reason
    # The task retries storage errors with backoff.
    assert OSError in build_kit.autoretry_for


def test_two_builds_at_once_record_one_zip(scheduled, build):
    """The second build finishes while the first is writing: the first
    finds the kit current and discards its own zip."""
    asset, _version = mark_with_version()
    kit = brand_kit("并发套件", [asset])
    write = kits_module._write
    calls = []

    def racing_write(plan):
        calls.append(plan)
        if len(calls) == 1:
            kit_build(kit_id=kit.pk)  # the other worker, all the way through
        return write(plan)

    with mock.patch.object(kits_module, "_write", side_effect=racing_write):
        kit = build(kit)
    assert len(calls) == 2
    assert kit.build_count == 1 and kit.status == KitStatus.READY
    assert kit_files(kit) == [kit.file.name.rsplit("/", 1)[1]]


def test_a_kit_changed_while_building_is_built_again(
    scheduled, django_capture_on_commit_callbacks
):
    asset, _version = mark_with_version()
    kit = brand_kit("构建中变化的套件", [asset])
    write = kits_module._write

    def write_then_approve(plan):
        result = write(plan)
        v2 = asset_version_create(asset=asset)
        uploaded_variant(v2, "late.png", image_bytes("PNG", 70, 70))
        version_approve(version=v2)
        return result

    with (
        mock.patch.object(kits_module, "_write", side_effect=write_then_approve),
        django_capture_on_commit_callbacks(execute=True),
    ):
        kit_build(kit_id=kit.pk)
    kit.refresh_from_db()
    # The stale zip is not recorded, and another build is on its way.
    assert kit.build_count == 0 and not kit.file
    assert kit.pk in scheduled_kit_ids(scheduled)
    assert kit_files(kit) == []


def test_admin_saves_schedule_a_build_and_staff_download(
    scheduled, build, django_capture_on_commit_callbacks
):
    asset, _version = mark_with_version()
    other, _ = mark_with_version("第二个标志")
    kit = build(brand_kit("后台套件", [asset]))
    client = Client()
    client.force_login(make_user("kit-admin", superuser=True))

    response = client.get("/admin/brand-assets/kits/")
    assert response.status_code == 200
    assert "后台套件" in response.text and "可下载" in response.text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("brand_kit:edit", args=(kit.pk,)),
            {
                "name": kit.name,
                "slug": kit.slug,
                "description": "",
                "assets": [asset.pk, other.pk],
                "include_sources": "",
            },
        )
    assert response.status_code == 302, response.content[:2000]
    assert set(kit.assets.all()) == {asset, other}
    assert scheduled_kit_ids(scheduled) == [kit.pk]
    kit = build(kit)
    assert kit.build_count == 2
    assert {n.split("/")[0] for n in read_zip(kit).namelist()} >= {
        asset.name,
        other.name,
    }

    response = client.get(reverse("brand_kit:inspect", args=(kit.pk,)))
    assert response.status_code == 200 and "重新生成" in response.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("brand_kit:rebuild", args=(kit.pk,)))
    assert response.status_code == 302
    assert scheduled.call_args.kwargs["kwargs"] == {"force": True}
    kit = build(kit, force=True)
    assert kit.build_count == 3

    response = client.get(f"/admin/brand-assets/kits/{kit.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content)[:2] == b"PK"
    # Recorded as public and partner kit downloads are: one row per asset.
    records = AssetDownload.objects.filter(kit=kit, via=DownloadVia.ADMIN)
    assert sorted(r.asset_id for r in records) == sorted([asset.pk, other.pk])
    assert {r.user.username for r in records} == {"kit-admin"}


def test_a_kit_whose_assets_change_is_not_served_until_rebuilt(
    scheduled, build, django_capture_on_commit_callbacks
):
    """The old zip holds an asset taken out of the kit: neither the brand page
    nor a partner licensed for what the kit now holds may have it."""
    from brand_assets.downloads import DownloadRefused, check_kit
    from brand_assets.kits import kit_is_public
    from syndication.models import PartnerAccount, Platform
    from tests.brand_assets.builders import partner_licence

    removed, _ = mark_with_version("被移出的标志", is_public=True, public_download=True)
    kept, _ = mark_with_version("留下的标志", is_public=True, public_download=True)
    kit = build(brand_kit("变动套件", [removed], slug="changing-kit-test"))
    assert kit_is_public(kit)
    partner = PartnerAccount.objects.create(
        name="套件合作方", platform=Platform.objects.get(slug="kepu-china")
    )
    partner_licence(kept, partner)

    client = Client()
    client.force_login(make_user("kit-editor", superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("brand_kit:edit", args=(kit.pk,)),
            {
                "name": kit.name,
                "slug": kit.slug,
                "description": "",
                "assets": [kept.pk],
                "include_sources": "",
            },
        )
    assert response.status_code == 302
    kit.refresh_from_db()
    assert kit.status == KitStatus.PENDING
    assert not kit_is_public(kit)
    assert Client().get("/brand/kits/changing-kit-test/download/").status_code == 404
    with pytest.raises(DownloadRefused) as refused:
        check_kit(kit.pk, partner=partner)
    assert refused.value.status == 409

    kit = build(kit)
    assert kit.status == KitStatus.READY
    assert {n.split("/")[0] for n in read_zip(kit).namelist()} >= {kept.name}
    assert not any(n.startswith(removed.name) for n in read_zip(kit).namelist())
    assert check_kit(kit.pk, partner=partner)[0] == kit


def test_a_kit_changed_behind_its_back_is_rebuilt_not_served(
    scheduled, build, django_capture_on_commit_callbacks
):
    """Deleting an asset changes the kit without a save: the download finds
    the zip out of date, refuses it and asks for a build."""
    kept, _ = mark_with_version("留下的公开标志", is_public=True, public_download=True)
    deleted, _ = mark_with_version(
        "被删除的公开标志", is_public=True, public_download=True
    )
    kit = build(brand_kit("被动变动套件", [kept, deleted], slug="behind-kit-test"))
    with django_capture_on_commit_callbacks(execute=True):
        deleted.delete()
    scheduled.reset_mock()

    with django_capture_on_commit_callbacks(execute=True):
        response = Client().get("/brand/kits/behind-kit-test/download/")
    assert response.status_code == 404
    kit.refresh_from_db()
    assert kit.status == KitStatus.PENDING
    assert scheduled_kit_ids(scheduled) == [kit.pk]

    kit = build(kit)
    assert Client().get("/brand/kits/behind-kit-test/download/").status_code == 200
    assert not any(n.startswith(deleted.name) for n in read_zip(kit).namelist())


def test_saving_a_kit_without_changes_keeps_it_ready(
    scheduled, build, django_capture_on_commit_callbacks
):
    asset, _ = mark_with_version()
    kit = build(brand_kit("不变套件", [asset]))
    with django_capture_on_commit_callbacks(execute=True):
        kits_module.kit_request_build(kit=kit)
    kit.refresh_from_db()
    assert kit.status == KitStatus.READY


def test_staff_without_kit_permissions_cannot_download(scheduled, build):
    asset, _version = mark_with_version()
    kit = build(brand_kit("受限套件", [asset]))
    client = Client()
    client.force_login(make_user("kit-editor", groups=["编辑"]))
    response = client.get(f"/admin/brand-assets/kits/{kit.pk}/download/")
    assert response.status_code in (302, 403)
    client.force_login(make_user("kit-manager", groups=["分发管理"]))
    response = client.get(f"/admin/brand-assets/kits/{kit.pk}/download/")
    assert response.status_code == 200


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_builds_the_kit_when_a_version_is_approved(celery_worker_process):
    asset = brand_asset("工作进程测试标志")
    kit = brand_kit("工作进程套件", [asset])
    version = asset_version_create(asset=asset)
    png = uploaded_variant(version, "worker.png", png_bytes(50, 50))
    version_approve(version=version)  # autocommit: the build is sent now

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        kit.refresh_from_db()
        if kit.status in (KitStatus.READY, KitStatus.FAILED):
            break
        time.sleep(0.3)
    assert kit.status == KitStatus.READY, (
        kit.failure_reason,
        celery_worker_process.log()[-3000:],
    )
    assert kit.build_count == 1
    manifest = assert_manifest_matches(read_zip(kit))
    assert manifest[f"{asset.name}/worker.png"] == png.sha256


def test_roles_get_brand_permissions():
    """Migration 0004: editors add and change assets per collection (as with
    Wagtail's images); syndication managers manage licences and kits and see
    download records; every role may choose assets."""
    from wagtail.models import Collection
    from wagtail.permission_policies import ModelPermissionPolicy

    from brand_assets.models import AssetDownload, Licence
    from brand_assets.permissions import permission_policy

    root = Collection.get_first_root_node()
    editor = make_user("brand-editor", groups=["编辑"])
    manager = make_user("brand-manager", groups=["分发管理"])
    reviewer = make_user("brand-reviewer", groups=["审核专家"])

    for action in ("add", "change", "choose"):
        assert root in permission_policy.collections_user_has_permission_for(
            editor, action
        )
    for user in (manager, reviewer):
        assert permission_policy.user_has_permission(user, "choose")
        assert not permission_policy.user_has_permission(user, "add")

    for model, actions in (
        (Licence, ["add", "change", "delete"]),
        (BrandKit, ["add", "change", "delete"]),
        (AssetDownload, ["view"]),
    ):
        policy = ModelPermissionPolicy(model)
        for action in actions:
            assert policy.user_has_permission(manager, action), (model, action)
            assert not policy.user_has_permission(editor, action), (model, action)
    assert editor.has_perm("wagtailadmin.access_admin")
