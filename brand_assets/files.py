"""What may enter the brand library, checked before anything is stored.

``inspect_upload(name, data)`` takes an uploaded file and either returns its
facts (format, safe file name, content type, pixel size, frame count and the
bytes to store) or raises ``FileRefused`` with a reason in Chinese.

The allow-list, by extension, and what the content must be:

=================  ==========  ===============================================
extension          format      content
=================  ==========  ===============================================
.svg               svg         XML with an ``<svg>`` root; stored sanitised
.png               png, apng   PNG; an ``acTL`` chunk makes it APNG
.apng              apng        PNG (with ``acTL``; without, it is stored as png)
.gif               gif         GIF87a / GIF89a
.webp              webp        RIFF WEBP (VP8, VP8L or VP8X)
.jpg, .jpeg        jpeg        JPEG
.pdf               pdf         PDF
.ai                source      PDF-compatible Illustrator file
.psd               source      Photoshop document (8BPS)
.sketch            source      Sketch document (a ZIP container)
=================  ==========  ===============================================

Video and audio do not come in here: they go through the media library,
which probes and transcodes them.

Raster images are measured from their headers, without decoding, and
refused over the pixel limit (``BRAND_ASSETS_MAX_IMAGE_PIXELS``, by default
Wagtail's ``WAGTAILIMAGES_MAX_IMAGE_PIXELS``, 128 MP), counting every frame of
an animation as Wagtail does. Only then does Pillow, restricted to the one
expected format, verify them (structure and checksums) and, up to
``BRAND_ASSETS_MAX_DECODE_PIXELS`` a picture, decode them in full, so a
decompression bomb never reaches a decoder, a corrupt file is refused rather
than stored, and the web process never holds a huge decoded picture.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

import filetype
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.template.defaultfilters import filesizeformat
from PIL import Image

from .conf import brand_settings
from .models import VariantFormat
from .svg import SVG_NS, SvgError, sanitise_svg

DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_IMAGE_PIXELS = 128 * 1000000
MAX_FILENAME_STEM = 100


class FileRefused(Exception):
    """A file that may not be stored. ``reason`` says why, in Chinese, for
    the uploader; ``code`` names the rule (empty, too_large, not_allowed,
    mismatch, too_many_pixels, corrupt, unsafe, approved) for callers and
    tests."""

    def __init__(self, reason: str, *, code: str):
        super().__init__(reason)
        self.reason = reason
        self.code = code

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class UploadFacts:
    """An accepted file: what to store and what is known about it."""

    format: str
    filename: str
    content_type: str
    data: bytes
    width: int | None = None
    height: int | None = None
    frames: int = 1


@dataclass(frozen=True)
class AllowedType:
    format: str
    content_type: str
    #: What the content must sniff as (see ``sniff``).
    content: str


ALLOWED = {
    "svg": AllowedType(VariantFormat.SVG, "image/svg+xml", "svg"),
    "png": AllowedType(VariantFormat.PNG, "image/png", "png"),
    "apng": AllowedType(VariantFormat.APNG, "image/apng", "png"),
    "gif": AllowedType(VariantFormat.GIF, "image/gif", "gif"),
    "webp": AllowedType(VariantFormat.WEBP, "image/webp", "webp"),
    "jpg": AllowedType(VariantFormat.JPEG, "image/jpeg", "jpeg"),
    "jpeg": AllowedType(VariantFormat.JPEG, "image/jpeg", "jpeg"),
    "pdf": AllowedType(VariantFormat.PDF, "application/pdf", "pdf"),
    "ai": AllowedType(VariantFormat.SOURCE, "application/illustrator", "pdf"),
    "psd": AllowedType(VariantFormat.SOURCE, "image/vnd.adobe.photoshop", "psd"),
    "sketch": AllowedType(VariantFormat.SOURCE, "application/zip", "zip"),
}

#: Pillow plugins each raster format may be opened with, and nothing else.
PILLOW_FORMATS = {"png": ["PNG"], "gif": ["GIF"], "webp": ["WEBP"], "jpeg": ["JPEG"]}

CONTENT_LABELS = {
    "png": "PNG 图片",
    "jpeg": "JPEG 图片",
    "gif": "GIF 图片",
    "webp": "WebP 图片",
    "pdf": "PDF 文档",
    "psd": "Photoshop 文档（PSD）",
    "zip": "ZIP 压缩包",
    "svg": "SVG 矢量图",
    "xml": "XML 文本（不是 SVG）",
    "html": "HTML 网页",
    "postscript": "PostScript 文档",
    "text": "纯文本",
}

ALLOWED_LABEL = "SVG、PNG、APNG、GIF、WebP、JPEG、PDF，以及设计源文件 AI、PSD、Sketch"
#: Extensions to point to the media library rather than simply refuse.
MEDIA_EXTENSIONS = frozenset(
    {"mp4", "mov", "m4v", "mkv", "avi", "webm", "mp3", "m4a", "aac", "wav", "flac"}
)


def max_upload_bytes() -> int:
    return brand_settings.BRAND_ASSETS_MAX_UPLOAD_BYTES


def max_image_pixels() -> int:
    return brand_settings.BRAND_ASSETS_MAX_IMAGE_PIXELS


def max_decode_pixels() -> int:
    return brand_settings.BRAND_ASSETS_MAX_DECODE_PIXELS


def check_size(size: int) -> None:
    """Refuse an empty or oversized file from its size alone, so a form can
    turn one away before reading it into memory."""
    if size <= 0:
        raise FileRefused("文件是空的。", code="empty")
    limit = max_upload_bytes()
    if size > limit:
        raise FileRefused(
            f"文件太大（{_bytes(size)}），上限为 {_bytes(limit)}。", code="too_large"
        )


def _bytes(size: int) -> str:
    # Reasons travel as plain text (API JSON, logs): no non-breaking space.
    return filesizeformat(size).replace("\xa0", " ")


def safe_filename(name: str) -> str:
    """A base name safe to store and to send back in a header: no folders,
    no control characters, no leading dots, a lower-case extension."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable())
    name = re.sub(r"[^\w.\-()（） ]", "_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = stem.strip(" ._")[:MAX_FILENAME_STEM].strip() or "file"
    extension = extension.lower()
    return f"{stem}.{extension}" if extension else stem


def inspect_upload(name: str, data: bytes) -> UploadFacts:
    """Check an uploaded file against the allow-list and its own content.

    Returns the facts of an accepted file; for SVG ``data`` is the sanitised
    drawing, for everything else the bytes as sent. Raises ``FileRefused``.
    """
    filename = safe_filename(name)
    extension = filename.rpartition(".")[2] if "." in filename else ""
    check_size(len(data))
    allowed = ALLOWED.get(extension)
    if allowed is None:
        shown = f"“.{extension}”文件" if extension else "没有扩展名的文件"
        reason = f"不支持{shown}。允许的格式：{ALLOWED_LABEL}。"
        if extension in MEDIA_EXTENSIONS:
            reason += "视频和音频请先上传到媒体库，再关联为该版本的变体。"
        raise FileRefused(reason, code="not_allowed")

    content = sniff(data)
    if allowed.content == "svg" and content == "xml" and svg_root(data):
        # sniff() looks at the first 4 KB only; an editor's long comment or
        # metadata can push <svg> past it. The parsed root decides.
        content = "svg"
    if content != allowed.content:
        looks = describe(content, data)
        raise FileRefused(
            f"文件扩展名是 .{extension}，但内容{looks}，与扩展名不符。",
            code="mismatch",
        )

    if allowed.content == "svg":
        return _inspect_svg(filename, data)
    if allowed.content in PILLOW_FORMATS:
        return _inspect_raster(filename, extension, allowed, data)
    if allowed.content == "pdf":
        _check_pdf(data)
    elif allowed.content == "zip":
        _check_zip(data)
    width = height = None
    if allowed.content == "psd":
        width, height = _psd_size(data)
    return UploadFacts(
        format=allowed.format,
        filename=filename,
        content_type=allowed.content_type,
        data=data,
        width=width,
        height=height,
    )


# --- What the content is ----------------------------------------------------


def sniff(data: bytes) -> str | None:
    """The kind of content from its first bytes, whatever the name says."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"8BPS"):
        return "psd"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"%!PS"):
        return "postscript"
    text = data[:4096].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        lowered = text.lower()
        if "<svg" in text:
            return "svg"
        if "<html" in lowered or lowered.startswith("<!doctype html"):
            return "html"
        return "xml"
    return None


def svg_root(data: bytes) -> bool:
    """Whether the document's root element is <svg>, found by parsing up to
    it (with entities refused, as ``svg.sanitise_svg`` does)."""
    try:
        for _event, element in iterparse(
            io.BytesIO(data), events=("start",), forbid_entities=True
        ):
            namespace, _, name = element.tag.rpartition("}")
            return name == "svg" and namespace in ("", "{" + SVG_NS)
    except (DefusedXmlException, ParseError):
        return False
    return False


def describe(content: str | None, data: bytes) -> str:
    """How to tell the uploader what a file really looks like."""
    if content in CONTENT_LABELS:
        return f"看起来是{CONTENT_LABELS[content]}"
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return f"看起来是 {kind.extension.upper()} 文件（{kind.mime}）"
    sample = data[:4096]
    if sample and b"\x00" not in sample:
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return f"看起来是{CONTENT_LABELS['text']}"
    return "无法识别"


# --- SVG ----------------------------------------------------------------------


def _inspect_svg(filename: str, data: bytes) -> UploadFacts:
    try:
        clean = sanitise_svg(data)
    except SvgError as error:
        raise FileRefused(error.reason, code=error.code) from None
    return UploadFacts(
        format=VariantFormat.SVG,
        filename=filename,
        content_type="image/svg+xml",
        data=clean.data,
        width=clean.width,
        height=clean.height,
    )


# --- Raster images ------------------------------------------------------------


@dataclass(frozen=True)
class RasterHeader:
    width: int
    height: int
    frames: int = 1
    animated_png: bool = False


def _inspect_raster(
    filename: str, extension: str, allowed: AllowedType, data: bytes
) -> UploadFacts:
    content = allowed.content
    try:
        header = HEADER_READERS[content](data)
    except (IndexError, struct.error, ValueError):
        header = None
    if header is None or header.width <= 0 or header.height <= 0:
        raise FileRefused(
            f"{CONTENT_LABELS[content]}已损坏：无法读取文件头中的尺寸。",
            code="corrupt",
        )
    _check_pixels(header)
    _decode(data, content, decode=header.width * header.height <= max_decode_pixels())

    fmt, content_type = allowed.format, allowed.content_type
    if content == "png":
        # The content decides: an animated .png is APNG, a still .apng is PNG.
        fmt = VariantFormat.APNG if header.animated_png else VariantFormat.PNG
    return UploadFacts(
        format=fmt,
        filename=filename,
        content_type=content_type,
        data=data,
        width=header.width,
        height=header.height,
        frames=header.frames,
    )


def _check_pixels(header: RasterHeader) -> None:
    limit = max_image_pixels()
    if limit is None:
        return
    pixels = header.width * header.height
    if pixels > limit:
        raise FileRefused(
            f"图片尺寸过大：{header.width}×{header.height}"
            f"（{_megapixels(pixels)} 百万像素），"
            f"上限为 {_megapixels(limit)} 百万像素。"
            "这样的文件可能是“解压炸弹”，已拒绝。",
            code="too_many_pixels",
        )
    if pixels * header.frames > limit:
        raise FileRefused(
            f"动画总像素过多：{header.width}×{header.height}×{header.frames} 帧"
            f"（{_megapixels(pixels * header.frames)} 百万像素），"
            f"上限为 {_megapixels(limit)} 百万像素。",
            code="too_many_pixels",
        )


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1000000:.1f}".removesuffix(".0")


def _decode(data: bytes, content: str, *, decode: bool) -> None:
    """Verify with Pillow, opening only the expected format, and decode the
    first picture in full when ``decode`` (it is small enough)."""
    formats = PILLOW_FORMATS[content]
    try:
        with Image.open(io.BytesIO(data), formats=formats) as image:
            image.verify()
        if not decode:
            return
        # verify() leaves the image unusable; decoding needs a fresh one. It
        # is bounded: the pixel limit has been checked from the header.
        with Image.open(io.BytesIO(data), formats=formats) as image:
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow raises the error past twice its own MAX_IMAGE_PIXELS, and the
        # warning too where warnings are made errors.
        raise FileRefused(
            "图片像素过多，图像库拒绝解码（解压炸弹防护），已拒绝。",
            code="too_many_pixels",
        ) from None
    except Exception as error:  # noqa: BLE001 - Pillow raises many kinds
        raise FileRefused(
            f"{CONTENT_LABELS[content]}已损坏，无法解码：{error}",
            code="corrupt",
        ) from None


def _png_header(data: bytes) -> RasterHeader | None:
    if data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    frames, animated = 1, False
    position = 8
    # acTL, if any, comes before the first IDAT; stop there.
    while position + 8 <= len(data):
        length, chunk = struct.unpack(">I4s", data[position : position + 8])
        if chunk == b"acTL" and length >= 8:
            frames = struct.unpack(">I", data[position + 8 : position + 12])[0]
            animated = True
        if chunk in (b"IDAT", b"IEND"):
            break
        position += 12 + length
    return RasterHeader(width, height, max(frames, 1), animated)


def _gif_header(data: bytes) -> RasterHeader | None:
    width, height = struct.unpack("<HH", data[6:10])
    flags = data[10]
    position = 13
    if flags & 0x80:
        position += 3 * (2 << (flags & 0x07))
    frames = 0
    while position < len(data):
        block = data[position]
        if block == 0x3B:  # trailer
            break
        if block == 0x21:  # extension: label, then sub-blocks
            position = _skip_sub_blocks(data, position + 2)
        elif block == 0x2C:  # image descriptor
            left, top, frame_width, frame_height, frame_flags = struct.unpack(
                "<HHHHB", data[position + 1 : position + 10]
            )
            # A frame may reach beyond the logical screen; decoders grow the
            # canvas to hold it, so the limit applies to the grown canvas.
            width = max(width, left + frame_width)
            height = max(height, top + frame_height)
            frames += 1
            position += 10
            if frame_flags & 0x80:
                position += 3 * (2 << (frame_flags & 0x07))
            position = _skip_sub_blocks(data, position + 1)  # after LZW size
        else:
            # Pillow skips bytes it does not know and decodes the frames
            # behind them; stopping here would count fewer frames than it
            # decodes and let an animation slip past the pixel limit.
            raise FileRefused(
                f"GIF 图片已损坏：第 {position} 字节处有无法识别的数据块"
                f"（0x{block:02x}），已拒绝。",
                code="corrupt",
            )
    if frames == 0:
        return None
    return RasterHeader(width, height, frames)


def _skip_sub_blocks(data: bytes, position: int) -> int:
    while position < len(data):
        size = data[position]
        position += 1
        if size == 0:
            break
        position += size
    return position


def _webp_header(data: bytes) -> RasterHeader | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        if data[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", data[26:30])
        return RasterHeader(width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L":
        if data[20] != 0x2F:
            return None
        bits = struct.unpack("<I", data[21:25])[0]
        return RasterHeader((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        frames = 0
        position = 12
        while position + 8 <= len(data):
            fourcc = data[position : position + 4]
            size = struct.unpack("<I", data[position + 4 : position + 8])[0]
            if fourcc == b"ANMF":
                frames += 1
            position += 8 + size + (size & 1)
        return RasterHeader(width, height, max(frames, 1))
    return None


#: JPEG start-of-frame markers (every SOFn but DHT, JPG and DAC).
JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_header(data: bytes) -> RasterHeader | None:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # no length
            position += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or scan before any frame
            return None
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        if marker in JPEG_SOF:
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return RasterHeader(width, height)
        position += 2 + length
    return None


HEADER_READERS = {
    "png": _png_header,
    "gif": _gif_header,
    "webp": _webp_header,
    "jpeg": _jpeg_header,
}


# --- Documents and design sources -------------------------------------------


def _check_pdf(data: bytes) -> None:
    # Incremental saves and some tools add bytes after the last %%EOF, so
    # look at the tail rather than the very end.
    if b"%%EOF" not in data[-2048:]:
        raise FileRefused(
            "PDF 文件不完整（缺少结束标记 %%EOF），可能上传中断或已损坏。",
            code="corrupt",
        )


def _check_zip(data: bytes) -> None:
    # Reading the central directory decompresses nothing.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise FileRefused(
            f"文件已损坏，无法读取其压缩目录：{error}", code="corrupt"
        ) from None


def _psd_size(data: bytes) -> tuple[int | None, int | None]:
    if len(data) < 26:
        raise FileRefused("PSD 文件已损坏：文件头不完整。", code="corrupt")
    height, width = struct.unpack(">II", data[14:22])
    return (width or None), (height or None)
