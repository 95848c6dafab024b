"""The brand library's settings and their defaults, in one place (see
``media_pipeline.conf``)."""

from __future__ import annotations

from django.conf import settings

from media_pipeline.conf import AppSettings

#: Wagtail's own default for WAGTAILIMAGES_MAX_IMAGE_PIXELS.
WAGTAIL_MAX_IMAGE_PIXELS = 128 * 1000000


def _max_image_pixels() -> int:
    # The image library's limit, unless the brand library sets its own.
    return getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", WAGTAIL_MAX_IMAGE_PIXELS)


brand_settings = AppSettings(
    {
        # The largest brand file accepted (read whole before it is checked).
        "BRAND_ASSETS_MAX_UPLOAD_BYTES": 200 * 1024 * 1024,
        # The most pixels a raster file may have, every frame counted.
        "BRAND_ASSETS_MAX_IMAGE_PIXELS": _max_image_pixels,
        # The most pixels of one picture the web process decodes in full to
        # check it (about 4 bytes each: 32 MP is some 128 MB). Larger files,
        # up to the limit above, are checked without decoding (their
        # structure and checksums), so a 127 MP PNG no longer makes the web
        # process grow by half a gigabyte.
        "BRAND_ASSETS_MAX_DECODE_PIXELS": 32 * 1000000,
        # How long a partner's download link works.
        "BRAND_DOWNLOAD_MAX_AGE": 600,
        # How long a licence link for a school or organisation works at most.
        "BRAND_LICENCE_LINK_DAYS": 30,
    }
)
