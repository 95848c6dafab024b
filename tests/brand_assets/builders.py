"""Files and assets for the brand library tests, made here with Pillow.

Helpers only: each test file builds what it needs through the app's own
services, so every stored file has passed the same checks as an upload.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw
from wagtail.models import Collection

from brand_assets.models import AssetKind, BrandAsset, UsageScope
from brand_assets.services import asset_version_create, version_approve

MARK_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120" '
    b'width="120" height="120"><circle cx="60" cy="60" r="50" fill="#0a7"/>'
    b'<text x="60" y="68" text-anchor="middle" font-size="24">BGL</text></svg>'
)


def png_bytes(width: int = 64, height: int = 64, *, mode: str = "RGBA") -> bytes:
    image = Image.new(mode, (width, height), (0, 160, 120, 255)[: len(mode)])
    ImageDraw.Draw(image).ellipse((4, 4, width - 4, height - 4), fill=None)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def image_bytes(fmt: str, width: int = 64, height: int = 64, **save) -> bytes:
    """A small image in any Pillow format ("GIF", "WEBP", "JPEG", …)."""
    mode = "RGB" if fmt in ("JPEG",) else "RGBA"
    image = Image.new(mode, (width, height), (200, 40, 40, 255)[: len(mode)])
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def brand_asset(
    name: str = "测试标志",
    *,
    slug: str | None = None,
    kind: str = AssetKind.MARK,
    is_public: bool = False,
    public_download: bool = False,
    allowed_uses: list[str] | None = None,
) -> BrandAsset:
    return BrandAsset.objects.create(
        name=name,
        slug=slug or f"test-{BrandAsset.objects.count() + 1}",
        kind=kind,
        collection=Collection.get_first_root_node(),
        is_public=is_public,
        public_download=public_download,
        allowed_uses=allowed_uses
        if allowed_uses is not None
        else [UsageScope.DIGITAL, UsageScope.PRINT, UsageScope.EDUCATION],
    )


def approved_version(asset: BrandAsset, *, notes: str = ""):
    version = asset_version_create(asset=asset, notes=notes)
    return version_approve(version=version)


# --- licences and partner downloads -------------------------------------------


def stored_variant(version, name: str = "mark.png", data: bytes | None = None, **kw):
    """A variant stored directly (no inspection), for tests about who may
    download it rather than what it is. ``kw`` sets further fields."""
    import hashlib

    from django.core.files.base import ContentFile

    from brand_assets.models import BrandVariant, VariantFormat

    data = png_bytes() if data is None else data
    fields = {
        "format": VariantFormat.PNG,
        "content_type": "image/png",
        "width": 64,
        "height": 64,
        **kw,
    }
    variant = BrandVariant(
        version=version,
        original_filename=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        **fields,
    )
    variant.file.save(name, ContentFile(data), save=False)
    variant.save()
    return variant


def partner_licence(asset, partner, *, days_left: int = 30, **fields):
    """A licence of ``asset`` to ``partner`` in force from yesterday until
    ``days_left`` days from today, made through the service."""
    import datetime as dt

    from django.utils import timezone

    from brand_assets.licences import licence_create

    today = timezone.localdate()
    values = {
        "licensee_name": partner.name,
        "uses": [UsageScope.DIGITAL],
        "starts_on": today - dt.timedelta(days=1),
        "ends_on": today + dt.timedelta(days=days_left),
        **fields,
    }
    return licence_create(asset=asset, partner=partner, **values)


# --- kits ---------------------------------------------------------------------


def uploaded_variant(version, name: str, data: bytes, **fields):
    """A variant made through ``services.variant_create``, as an upload is."""
    from brand_assets.services import variant_create

    return variant_create(version=version, name=name, data=data, **fields)


def brand_kit(name: str, assets, *, slug: str | None = None, **fields):
    import uuid

    from brand_assets.models import BrandKit

    # Unique across tests: zips stay in storage when a test's rows roll back.
    kit = BrandKit.objects.create(
        name=name, slug=slug or f"kit-{uuid.uuid4().hex[:8]}", **fields
    )
    kit.assets.set(assets)
    return kit


def source_bytes() -> bytes:
    """A PDF-compatible Illustrator file (what ``.ai`` files are)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 110, 80)).save(out, format="PDF")
    return out.getvalue()
