"""Serving brand files: the hardening headers on every user file, who may
fetch what, download records, and presigned redirects on S3."""

from __future__ import annotations

import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import RequestFactory
from django.urls import reverse

from brand_assets.models import AssetDownload, DownloadVia, VariantRole
from brand_assets.services import (
    asset_version_create,
    variant_create,
    variant_create_from_media,
    version_approve,
)
from brand_assets.serving import file_response
from media_pipeline.models import MediaAsset
from tests.brand_assets.builders import (
    MARK_SVG,
    brand_asset,
    png_bytes,
    source_bytes,
)
from tests.brand_assets.team import team_user
from tests.syndication.builders import build_asset

CSP = "default-src 'none'"


def preview_url(variant) -> str:
    return reverse("brand_assets:file", args=(variant.pk,))


def download_url(variant) -> str:
    return reverse("brand_assets:file_download", args=(variant.pk,))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def assert_hardened(response):
    assert response["Content-Security-Policy"] == CSP
    assert response["X-Content-Type-Options"] == "nosniff"


def approved_variant(asset, name: str, data: bytes):
    """A file uploaded to a new version, then approved."""
    version = asset_version_create(asset=asset)
    variant = variant_create(version=version, name=name, data=data)
    version_approve(version=version)
    return variant


@pytest.fixture
def public_mark(db):
    """A public, downloadable asset: an approved v1 with SVG and PNG, and an
    unapproved v2 in the works."""
    asset = brand_asset("百嘎丽标志", is_public=True, public_download=True)
    v1 = asset_version_create(asset=asset)
    svg = variant_create(version=v1, name="百嘎丽 标志.svg", data=MARK_SVG)
    png = variant_create(version=v1, name="mark.png", data=png_bytes(32, 32))
    version_approve(version=v1)
    v2 = asset_version_create(asset=asset)
    draft = variant_create(version=v2, name="draft.svg", data=MARK_SVG)
    return {"asset": asset, "svg": svg, "png": png, "draft": draft}


# --- headers -----------------------------------------------------------------


def test_preview_is_inline_with_the_hardening_headers(client, public_mark):
    svg = public_mark["svg"]
    response = client.get(preview_url(svg))
    assert response.status_code == 200
    assert_hardened(response)
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response["ETag"] == f'"{svg.sha256}"'
    with svg.file.open("rb") as stream:
        assert body(response) == stream.read()


def test_download_is_an_attachment_with_the_hardening_headers(client, public_mark):
    response = client.get(download_url(public_mark["svg"]))
    assert response.status_code == 200
    assert_hardened(response)
    assert response["Content-Disposition"] == (
        'attachment; filename="___ __.svg"; '
        "filename*=UTF-8''%E7%99%BE%E5%98%8E%E4%B8%BD%20%E6%A0%87%E5%BF%97.svg"
    )
    assert response["Content-Type"] == "image/svg+xml"


def test_raster_download_keeps_its_stored_type(client, public_mark):
    response = client.get(download_url(public_mark["png"]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith('attachment; filename="mark.png"')
    assert_hardened(response)


def test_conditional_request_is_answered_not_modified(client, public_mark):
    svg = public_mark["svg"]
    response = client.get(preview_url(svg), HTTP_IF_NONE_MATCH=f'"{svg.sha256}"')
    assert response.status_code == 304
    assert_hardened(response)


def test_missing_file_is_404(rf):
    with pytest.raises(Exception) as caught:
        file_response(
            rf.get("/"),
            "brand/missing/nothing.png",
            filename="nothing.png",
            content_type="image/png",
            attachment=True,
            public=False,
        )
    assert caught.type.__name__ == "Http404"


# --- who may fetch what ------------------------------------------------------------


def test_unapproved_version_is_404_for_anonymous(client, public_mark):
    draft = public_mark["draft"]
    assert client.get(preview_url(draft)).status_code == 404
    assert client.get(download_url(draft)).status_code == 404


def test_superseded_approved_version_is_404_for_anonymous(client, public_mark):
    from brand_assets.services import version_approve

    version_approve(version=public_mark["draft"].version)
    assert client.get(preview_url(public_mark["svg"])).status_code == 404
    assert client.get(preview_url(public_mark["draft"])).status_code == 200


def test_non_public_asset_is_404_for_anonymous(client, db):
    asset = brand_asset("内部标志")
    variant = approved_variant(asset, "mark.svg", MARK_SVG)
    assert client.get(preview_url(variant)).status_code == 404
    assert client.get(download_url(variant)).status_code == 404


def test_public_asset_without_public_download_previews_only(client, db):
    asset = brand_asset("只展示", is_public=True, public_download=False)
    variant = approved_variant(asset, "mark.svg", MARK_SVG)
    assert client.get(preview_url(variant)).status_code == 200
    assert client.get(download_url(variant)).status_code == 404
    assert not AssetDownload.objects.filter(variant=variant).exists()


def test_design_sources_of_a_public_asset_stay_with_the_team(client, db):
    asset = brand_asset("带源文件的公开标志", is_public=True, public_download=True)
    version = asset_version_create(asset=asset)
    svg = variant_create(version=version, name="mark.svg", data=MARK_SVG)
    ai = variant_create(version=version, name="mark.ai", data=source_bytes())
    psd_as_source = variant_create(
        version=version, name="layers.png", data=png_bytes(), role=VariantRole.SOURCE
    )
    version_approve(version=version)
    assert client.get(download_url(svg)).status_code == 200
    for source in (ai, psd_as_source):
        assert client.get(preview_url(source)).status_code == 404
        assert client.get(download_url(source)).status_code == 404
    client.force_login(team_user("brand-editor", "change"))
    assert client.get(download_url(ai)).status_code == 200


def test_team_sees_every_version_and_downloads_are_recorded_as_admin(
    client, public_mark
):
    draft = public_mark["draft"]
    editor = team_user("brand-editor", "add", "change")
    client.force_login(editor)
    preview = client.get(preview_url(draft))
    assert preview.status_code == 200
    # Not public: no shared cache may keep it.
    assert preview["Cache-Control"] == "private, max-age=300"
    assert client.get(download_url(draft)).status_code == 200
    record = AssetDownload.objects.get(variant=draft)
    assert (record.via, record.user, record.asset) == (
        DownloadVia.ADMIN,
        editor,
        public_mark["asset"],
    )
    assert record.ip_address == "127.0.0.1"


def test_choosers_are_of_the_team_too(client, public_mark):
    client.force_login(team_user("chooser", "choose"))
    assert client.get(preview_url(public_mark["draft"])).status_code == 200


def test_user_without_permission_is_treated_as_public(client, public_mark):
    outsider = team_user("outsider")
    client.force_login(outsider)
    assert client.get(preview_url(public_mark["draft"])).status_code == 404
    assert client.get(download_url(public_mark["svg"])).status_code == 200
    assert AssetDownload.objects.get().via == DownloadVia.PUBLIC


def test_public_downloads_are_recorded(client, public_mark):
    client.get(download_url(public_mark["png"]))
    client.get(preview_url(public_mark["png"]))  # previews are not downloads
    record = AssetDownload.objects.get()
    assert (record.via, record.variant, record.user) == (
        DownloadVia.PUBLIC,
        public_mark["png"],
        None,
    )


def test_media_variant_not_yet_transcoded_says_so(client, superuser, db):
    asset = brand_asset("课间操")
    version = asset_version_create(asset=asset)
    media = MediaAsset.objects.create(
        title="课间操示范",
        kind="video",
        original=ContentFile(b"\x00" * 16, name="demo.mp4"),
        original_filename="demo.mp4",
        sha256="0" * 64,
        size=16,
    )
    variant = variant_create_from_media(version=version, media_asset=media)
    client.force_login(superuser)
    response = client.get(download_url(variant))
    assert response.status_code == 404
    assert "还没有转码完成" in response.content.decode()
    assert not AssetDownload.objects.exists()


def test_ready_media_variant_is_served_as_a_hardened_attachment(client, superuser, db):
    media = build_asset(title="课间操示范", store_files=True)
    version = asset_version_create(asset=brand_asset("课间操"))
    variant = variant_create_from_media(version=version, media_asset=media)
    client.force_login(superuser)
    response = client.get(download_url(variant))
    # Served here, never redirected to the media library's public URL.
    assert response.status_code == 200
    assert_hardened(response)
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=UTF-8''source.mp4" in response["Content-Disposition"]
    assert response["Content-Type"] == "video/mp4"
    mp4 = media.rendition("mp4")
    with default_storage.open(mp4.name, "rb") as stream:
        assert body(response) == stream.read()
    assert AssetDownload.objects.get().variant == variant
    preview = client.get(preview_url(variant))
    assert preview.status_code == 200
    assert preview["Content-Disposition"].startswith("inline")
    assert_hardened(preview)


def test_non_public_media_variant_is_404_for_anonymous(client, db):
    media = build_asset(title="内部课间操", store_files=True)
    asset = brand_asset("内部课间操")
    version = asset_version_create(asset=asset)
    variant = variant_create_from_media(version=version, media_asset=media)
    version_approve(version=version)
    for url in (preview_url(variant), download_url(variant)):
        response = client.get(url)
        assert response.status_code == 404
        assert "Location" not in response
    assert not AssetDownload.objects.exists()


def test_the_media_rendition_is_chosen_in_one_place(db):
    from brand_assets import downloads, kits, media
    from brand_assets.views import files

    audio = build_asset(title="歌曲", kind="audio")
    version = asset_version_create(asset=brand_asset("百嘎丽之歌"))
    variant = variant_create_from_media(version=version, media_asset=audio)
    chosen = media.variant_media_rendition(variant)
    assert chosen is not None and chosen.kind in ("m4a", "mp3")
    assert downloads.variant_file(variant)[0] == chosen.name
    for module in (downloads, kits, files):
        assert module.variant_media_rendition is media.variant_media_rendition


# --- S3 ------------------------------------------------------------------------


def test_s3_download_redirects_to_a_presigned_attachment(s3_storage):
    name = default_storage.save("brand/test/mark.svg", ContentFile(MARK_SVG))
    request = RequestFactory().get("/")
    response = file_response(
        request,
        name,
        filename="百嘎丽.svg",
        content_type="image/svg+xml",
        attachment=True,
        public=False,
    )
    assert response.status_code == 302
    assert_hardened(response)
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["response-content-type"] == ["image/svg+xml"]
    assert query["response-content-disposition"][0].startswith("attachment;")
    with urllib.request.urlopen(response["Location"], timeout=10) as stored:
        assert stored.headers["Content-Type"] == "image/svg+xml"
        assert stored.headers["Content-Disposition"].startswith("attachment;")
        assert stored.read() == MARK_SVG


def test_s3_inline_svg_is_streamed_so_the_csp_holds(s3_storage):
    name = default_storage.save("brand/test/mark.svg", ContentFile(MARK_SVG))
    response = file_response(
        RequestFactory().get("/"),
        name,
        filename="mark.svg",
        content_type="image/svg+xml",
        attachment=False,
        public=True,
    )
    assert response.status_code == 200
    assert_hardened(response)
    assert body(response) == MARK_SVG
