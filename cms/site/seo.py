"""What a page says about itself to search engines and share cards: its
document title, description, picture and address.

Editors may fill the SEO fields of the promote tab; when they leave them
empty every value is taken from the page itself (its summary, its cover or
its media's poster), so no page is shared without a description or picture.
WeChat's in-app browser reads the Open Graph tags and, on older clients, the
schema.org microdata ``itemprop`` tags; ``templates/includes/share_meta.html``
writes both from one ``PageMeta``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.templatetags.static import static
from django.utils.html import strip_tags
from django.utils.text import Truncator
from wagtail.images.models import SourceImageIOError

from cms.core.deliverables import kind_for_page
from media_pipeline.models import MediaKind

BRAND = "百嘎丽"
TITLE_SEPARATOR = " · "
#: Said of the site where a page has nothing of its own to say.
SITE_DESCRIPTION = (
    "百嘎丽是鄂尔多斯市科学技术协会的科普品牌：科普节目、短视频与音乐作品。"
)
#: Search engines show about this many Chinese characters of a description.
DESCRIPTION_LENGTH = 120
#: Share cards crop to a wide picture; a cover too small for the crop is
#: shared whole. WeChat shows a picture only from 300×300 up: a smaller
#: cover or poster gives way to the brand's picture.
SHARE_RENDITIONS = ("fill-1200x630", "max-1200x1200")
MIN_SHARE_SIDE = 300
#: The brand's picture for pages without one (600×600 PNG).
DEFAULT_SHARE_IMAGE = "img/share-default.png"
#: Fields of non-deliverable pages that describe them, in order of preference.
DESCRIPTION_FIELDS = ("intro", "description", "summary", "tagline")


@dataclass(frozen=True)
class PageMeta:
    title: str
    description: str
    image: str
    url: str
    og_type: str


def document_title(page) -> str:
    """The ``<title>``: the SEO title or the page's, with the brand once.

    The home page reads "百嘎丽 · <its tagline>" rather than repeating the
    brand its own title already is.
    """
    base = page.seo_title or page.title
    tagline = getattr(page, "tagline", "")
    if not page.seo_title and tagline and base == BRAND:
        base = f"{BRAND}{TITLE_SEPARATOR}{tagline}"
    if BRAND in base:
        return base
    return f"{base}{TITLE_SEPARATOR}{BRAND}"


def plain_text(value: str | None) -> str:
    """Rich or plain text on one line, as a description is shown."""
    return " ".join(strip_tags(value or "").split())


def page_description(page) -> str:
    """The SEO description, else the page's summary, else the site's."""
    if page.search_description:
        return plain_text(page.search_description)
    kind = kind_for_page(page)
    if kind is not None:
        text = kind.summary_of(page)
    else:
        text = next(
            (
                getattr(page, field)
                for field in DESCRIPTION_FIELDS
                if getattr(page, field, "")
            ),
            "",
        )
    text = plain_text(text)
    if not text:
        return SITE_DESCRIPTION
    return Truncator(text).chars(DESCRIPTION_LENGTH)


def absolute(request, url: str) -> str:
    if not url or request is None:
        return url
    return request.build_absolute_uri(url)


def big_enough(size: tuple[int, int] | None) -> bool:
    """Whether a picture of ``size`` (width, height) may be a share card's."""
    return bool(size) and min(size) >= MIN_SHARE_SIDE


def cover_share_url(cover) -> str:
    """The cover as share cards show it: cropped wide, or whole when the crop
    of a small cover would come out under the minimum (renditions are never
    enlarged); "" when neither reaches it or its file is missing."""
    for spec in SHARE_RENDITIONS:
        try:
            rendition = cover.get_rendition(spec)
        except SourceImageIOError:  # as {% image %} does: no picture, no 500
            return ""
        if big_enough((rendition.width, rendition.height)):
            return rendition.url
    return ""


def page_image_url(page) -> str:
    """The picture shared with the page, relative or as stored: its cover,
    or without one its media's poster; "" when it has neither of at least
    ``MIN_SHARE_SIDE`` pixels a side (WeChat shows no smaller one)."""
    cover = getattr(page, "cover", None) or getattr(page, "hero_image", None)
    if cover is not None:
        url = cover_share_url(cover)
        if url:
            return url
    if big_enough(getattr(page, "poster_size", None)):
        return page.poster_url or ""
    return ""


def share_image_url(page, request) -> str:
    """The absolute address of the page's share picture, the brand's own
    when the page has none (a card without a picture is rarely opened)."""
    return absolute(request, page_image_url(page) or static(DEFAULT_SHARE_IMAGE))


def video_thumbnail_url(page, request) -> str:
    """A video's thumbnail for search engines (JSON-LD ``thumbnailUrl``,
    the video sitemap's ``thumbnail_loc``):
    the share picture, but the media's own poster rather than the brand's
    when the poster is only too small for a share card (search engines
    take frames from 60×30 up)."""
    url = page_image_url(page) or getattr(page, "poster_url", None)
    return absolute(request, url or static(DEFAULT_SHARE_IMAGE))


def page_meta(page, request) -> PageMeta:
    media = page.chosen_media() if hasattr(page, "chosen_media") else None
    if media is not None and media.is_ready and media.kind == MediaKind.VIDEO:
        og_type = "video.other"
    else:
        og_type = "website" if page.depth <= 2 else "article"
    return PageMeta(
        title=document_title(page),
        description=page_description(page),
        image=share_image_url(page, request),
        url=page.get_full_url(request),
        og_type=og_type,
    )
