"""What may enter the brand library: the allow-list, content sniffing, the
pixel limit, corrupt and empty files, file names, and SVG sanitising.

Refusals are checked through ``services.variant_create``, the only way files
are stored, so each test also shows that a refused file leaves nothing
behind: no variant, no stored file, no library image, and an existing
variant's file untouched.
"""

from __future__ import annotations

import hashlib
import io
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib

import pytest
from django.core.files.storage import default_storage
from PIL import Image, ImageFile
from wagtail.images import get_image_model

from brand_assets.files import FileRefused, inspect_upload, safe_filename
from brand_assets.models import BrandVariant, VariantFormat
from brand_assets.services import asset_version_create, variant_create
from tests.brand_assets.builders import (
    MARK_SVG,
    brand_asset,
    image_bytes,
    png_bytes,
)

SVG = "{http://www.w3.org/2000/svg}"


def animated_png_bytes(width: int = 48, height: int = 48, *, frames: int = 3) -> bytes:
    """An APNG (a PNG with an acTL chunk) of ``frames`` frames."""
    images = [
        Image.new("RGBA", (width, height), (40 * i % 256, 120, 80, 255))
        for i in range(frames)
    ]
    out = io.BytesIO()
    images[0].save(out, format="PNG", save_all=True, append_images=images[1:])
    return out.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG header claiming a size; almost no data behind it."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def one_bit_png(width: int, height: int) -> bytes:
    """A real, decodable image of many pixels in a few kilobytes."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG")
    return out.getvalue()


def stored_names(prefix: str = "brand") -> set[str]:
    names = set()

    def walk(folder):
        try:
            folders, files = default_storage.listdir(folder)
        except FileNotFoundError:
            return
        names.update(f"{folder}/{name}" for name in files)
        for sub in folders:
            walk(f"{folder}/{sub}")

    walk(prefix)
    return names


@pytest.fixture
def version(db):
    return asset_version_create(asset=brand_asset("百嘎丽标志"))


@pytest.fixture
def existing(version):
    """A variant stored before the refused upload, which must stay intact."""
    return variant_create(version=version, name="mark.png", data=png_bytes(32, 32))


def assert_refused(version, existing, name, data, code):
    variants = BrandVariant.objects.count()
    images = get_image_model().objects.count()
    files = stored_names()
    with pytest.raises(FileRefused) as caught:
        variant_create(version=version, name=name, data=data)
    assert caught.value.code == code
    assert str(caught.value) == caught.value.reason
    assert BrandVariant.objects.count() == variants
    assert get_image_model().objects.count() == images
    assert stored_names() == files
    with existing.file.open("rb") as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == existing.sha256
    return caught.value.reason


# --- refusals -----------------------------------------------------------------


def test_png_header_claiming_a_huge_size_is_refused_before_decoding(version, existing):
    reason = assert_refused(
        version, existing, "huge.png", png_claiming(100_000, 100_000), "too_many_pixels"
    )
    assert "100000×100000" in reason
    assert "上限为 128 百万像素" in reason


def test_real_image_over_the_pixel_limit_is_refused(version, existing, settings):
    settings.BRAND_ASSETS_MAX_IMAGE_PIXELS = 4_000_000
    data = one_bit_png(3000, 3000)
    assert len(data) < 10_000  # tiny file, 9 MP
    reason = assert_refused(version, existing, "bomb.png", data, "too_many_pixels")
    assert "3000×3000" in reason
    assert "上限为 4 百万像素" in reason


def test_pixel_limit_defaults_to_wagtails(version, existing, settings):
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 1_000_000
    assert_refused(
        version, existing, "big.png", one_bit_png(1100, 1000), "too_many_pixels"
    )


def test_pillow_decompression_bomb_is_caught(version, existing, settings, monkeypatch):
    # Our own limit lifted: Pillow's guard still refuses, with a reason.
    settings.BRAND_ASSETS_MAX_IMAGE_PIXELS = 10**12
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    reason = assert_refused(
        version, existing, "bomb.png", one_bit_png(100, 100), "too_many_pixels"
    )
    assert "解压炸弹" in reason


def test_a_picture_over_the_decode_limit_is_checked_without_decoding(
    version, existing, settings, monkeypatch
):
    """Within the pixel limit but over the decode limit: verified (structure
    and checksums) and accepted, never decoded in the web process."""
    settings.BRAND_ASSETS_MAX_DECODE_PIXELS = 1_000_000
    decoded = []
    real_load = ImageFile.ImageFile.load

    def spy(image):
        decoded.append(image.size)
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)

    facts = inspect_upload("large.png", one_bit_png(1100, 1000))
    assert (facts.width, facts.height) == (1100, 1000) and decoded == []
    inspect_upload("small.png", one_bit_png(1000, 1000))
    assert decoded == [(1000, 1000)]
    # Still checked: a damaged one is refused all the same.
    data = bytearray(one_bit_png(1100, 1000))
    data[45] ^= 0xFF  # inside IDAT: its CRC no longer matches
    assert_refused(version, existing, "crc.png", bytes(data), "corrupt")


def test_animation_counts_every_frame_against_the_limit(version, existing, settings):
    settings.BRAND_ASSETS_MAX_IMAGE_PIXELS = 64 * 64 * 3
    reason = assert_refused(
        version,
        existing,
        "anim.png",
        animated_png_bytes(64, 64, frames=4),
        "too_many_pixels",
    )
    assert "4 帧" in reason


def gif_with_junk_before_second_frame(frames: int) -> bytes:
    """An animated GIF with a stray 0x00 byte before its second frame.

    Pillow skips the byte and decodes every frame; a header reader that
    stopped at it would count one.
    """
    images = [Image.new("RGB", (64, 64), (i * 60, 0, 0)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:])
    data = out.getvalue()
    position = 13 + 3 * (2 << (data[10] & 0x07))
    seen = 0
    while True:
        if data[position] == 0x21:
            position += 2
        else:  # image descriptor, local colour table, LZW size
            seen += 1
            flags = data[position + 9]
            position += 10 + (3 * (2 << (flags & 0x07)) if flags & 0x80 else 0) + 1
        while data[position]:
            position += data[position] + 1
        position += 1
        if seen == 1:
            return data[:position] + b"\x00" + data[position:]


def test_gif_hiding_frames_behind_an_unknown_block_is_refused(
    version, existing, settings
):
    data = gif_with_junk_before_second_frame(4)
    with Image.open(io.BytesIO(data)) as image:
        assert image.n_frames == 4  # what a decoder will really do
    settings.BRAND_ASSETS_MAX_IMAGE_PIXELS = 64 * 64 * 3
    reason = assert_refused(version, existing, "anim.gif", data, "corrupt")
    assert "无法识别的数据块" in reason


def test_content_contradicting_extension_is_refused(version, existing):
    reason = assert_refused(
        version, existing, "logo.png", image_bytes("JPEG"), "mismatch"
    )
    assert reason == "文件扩展名是 .png，但内容看起来是JPEG 图片，与扩展名不符。"


def test_html_disguised_as_svg_or_pdf_is_refused(version, existing):
    page = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    assert "HTML 网页" in assert_refused(version, existing, "a.pdf", page, "mismatch")
    assert "HTML 网页" in assert_refused(version, existing, "a.svg", page, "mismatch")


def test_executable_disguised_as_image_says_what_it_is(version, existing):
    exe = b"MZ\x90\x00" + b"\x00" * 200
    reason = assert_refused(version, existing, "logo.gif", exe, "mismatch")
    assert "EXE" in reason


def test_format_outside_the_allow_list_is_refused(version, existing):
    exe = b"MZ\x90\x00"
    reason = assert_refused(version, existing, "setup.exe", exe, "not_allowed")
    assert "不支持“.exe”文件" in reason
    assert "SVG、PNG、APNG、GIF、WebP、JPEG、PDF" in reason


def test_video_is_pointed_to_the_media_library(version, existing):
    reason = assert_refused(version, existing, "promo.mp4", b"\x00" * 64, "not_allowed")
    assert "媒体库" in reason


def test_file_without_extension_is_refused(version, existing):
    reason = assert_refused(version, existing, "logo", png_bytes(), "not_allowed")
    assert "没有扩展名" in reason


def test_corrupt_image_is_refused(version, existing):
    truncated = png_bytes(64, 64)[:-30]
    reason = assert_refused(version, existing, "cut.png", truncated, "corrupt")
    assert reason.startswith("PNG 图片已损坏")


def test_corrupt_png_checksum_is_refused(version, existing):
    data = bytearray(png_bytes(64, 64))
    data[40] ^= 0xFF  # inside IDAT: its CRC no longer matches
    assert_refused(version, existing, "crc.png", bytes(data), "corrupt")


def test_empty_file_is_refused(version, existing):
    reason = assert_refused(version, existing, "empty.png", b"", "empty")
    assert reason == "文件是空的。"


def test_too_large_file_is_refused(version, existing, settings):
    settings.BRAND_ASSETS_MAX_UPLOAD_BYTES = 100
    reason = assert_refused(version, existing, "a.png", png_bytes(64, 64), "too_large")
    assert "上限为 100 字节" in reason


def test_malformed_svg_is_refused(version, existing):
    unclosed = b"<svg xmlns='http://www.w3.org/2000/svg'><g>"
    reason = assert_refused(version, existing, "a.svg", unclosed, "corrupt")
    assert reason.startswith("SVG 不是有效的 XML")


def test_svg_with_entities_is_refused(version, existing):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>'
    )
    assert_refused(version, existing, "bomb.svg", bomb, "unsafe")
    external = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'
    )
    assert_refused(version, existing, "xxe.svg", external, "unsafe")


def test_truncated_pdf_is_refused(version, existing):
    reason = assert_refused(
        version, existing, "guide.pdf", b"%PDF-1.7\n1 0 obj <<>>", "corrupt"
    )
    assert "%%EOF" in reason


# --- accepted files -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "fmt", "content_type"),
    [
        ("mark.png", png_bytes(40, 30), VariantFormat.PNG, "image/png"),
        ("mark.gif", image_bytes("GIF", 40, 30), VariantFormat.GIF, "image/gif"),
        ("mark.webp", image_bytes("WEBP", 40, 30), VariantFormat.WEBP, "image/webp"),
        (
            "mark.webp",
            image_bytes("WEBP", 40, 30, lossless=True),
            VariantFormat.WEBP,
            "image/webp",
        ),
        ("mark.JPG", image_bytes("JPEG", 40, 30), VariantFormat.JPEG, "image/jpeg"),
        ("mark.jpeg", image_bytes("JPEG", 40, 30), VariantFormat.JPEG, "image/jpeg"),
    ],
)
def test_raster_formats_are_measured(name, data, fmt, content_type):
    facts = inspect_upload(name, data)
    assert (facts.format, facts.content_type) == (fmt, content_type)
    assert (facts.width, facts.height, facts.frames) == (40, 30, 1)
    assert facts.data == data


def test_apng_is_detected_with_its_frames():
    data = animated_png_bytes(48, 48, frames=5)
    facts = inspect_upload("wave.png", data)
    assert facts.format == VariantFormat.APNG
    assert (facts.width, facts.height, facts.frames) == (48, 48, 5)
    assert inspect_upload("wave.apng", data).format == VariantFormat.APNG
    # A still image named .apng is what it is: a PNG.
    assert inspect_upload("still.apng", png_bytes()).format == VariantFormat.PNG


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animated_gif_and_webp_frames_are_counted(fmt):
    frames = [Image.new("RGBA", (24, 24), (i * 60, 0, 0, 255)) for i in range(4)]
    out = io.BytesIO()
    frames[0].save(out, format=fmt, save_all=True, append_images=frames[1:])
    facts = inspect_upload(f"anim.{fmt.lower()}", out.getvalue())
    assert (facts.width, facts.height, facts.frames) == (24, 24, 4)


def test_design_sources_are_accepted_as_sources():
    psd = b"8BPS\x00\x01" + b"\x00" * 6 + b"\x00\x03" + struct.pack(">II", 200, 300)
    psd += b"\x00\x08\x00\x03" + b"\x00" * 40
    facts = inspect_upload("mascot.psd", psd)
    assert (facts.format, facts.width, facts.height) == ("source", 300, 200)

    ai = b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert inspect_upload("mark.ai", ai).format == VariantFormat.SOURCE
    assert inspect_upload("guide.pdf", ai).format == VariantFormat.PDF

    sketch = io.BytesIO()
    with zipfile.ZipFile(sketch, "w") as archive:
        archive.writestr("document.json", "{}")
    assert inspect_upload("mark.sketch", sketch.getvalue()).format == "source"
    with pytest.raises(FileRefused) as caught:
        inspect_upload("mark.sketch", b"PK\x03\x04" + b"\x00" * 40)
    assert caught.value.code == "corrupt"


def test_stored_variant_keeps_a_safe_name_and_the_facts(version):
    data = png_bytes(50, 20)
    name = "../../etc/百嘎丽 标志.PNG"
    variant = variant_create(version=version, name=name, data=data)
    assert variant.original_filename == "百嘎丽 标志.png"
    assert (variant.width, variant.height, variant.format) == (50, 20, "png")
    assert variant.sha256 == hashlib.sha256(data).hexdigest()
    assert variant.image is not None
    assert ".." not in variant.file.name


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("logo.png", "logo.png"),
        ("C:\\Users\\设计\\标志 终稿.SVG", "标志 终稿.svg"),
        ("../../.htaccess", "htaccess"),
        (".hidden.png", "hidden.png"),
        ("a\x00b\nc.png", "abc.png"),
        ("<script>.png", "script.png"),
        ("", "file"),
        ("x" * 300 + ".png", "x" * 100 + ".png"),
    ],
)
def test_safe_filename(name, safe):
    assert safe_filename(name) == safe


# --- SVG sanitising ---------------------------------------------------------------

HOSTILE_SVG = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
     viewBox="0 0 240 120" onload="alert('load')" inkscape:version="1.3">
  <style>@import url(https://evil.example/x.css);
    .ring { fill: url(#glow); } .bg { background: url('https://evil.example/t.png'); }
  </style>
  <script type="text/javascript">alert('script')</script>
  <defs>
    <radialGradient id="glow"><stop offset="0" stop-color="#0a7"/></radialGradient>
  </defs>
  <g id="art" onclick="steal()" style="fill: url(http://evil.example/p); stroke: #333">
    <circle class="ring" cx="60" cy="60" r="50" fill="url(#glow)" onmouseover="x()"/>
    <rect x="130" y="10" width="100" height="100" fill="url(https://evil.example/f)"/>
    <path d="M10 110 L230 110" stroke="#0a7"/>
    <a href="javascript:alert('a')"><text x="120" y="70">百嘎丽</text></a>
    <use xlink:href="https://evil.example/sprite.svg#logo"/>
    <use href="#art-copy"/>
    <image href="https://evil.example/track.png" width="10" height="10"/>
    <image xlink:href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" width="5"/>
    <image href="data:image/png;base64,iVBORw0KGgo=" width="5" height="5"/>
    <foreignObject width="100" height="100">
      <div xmlns="http://www.w3.org/1999/xhtml"><iframe src="https://evil.example"/></div>
    </foreignObject>
    <set attributeName="href" to="javascript:alert('set')"/>
    <inkscape:grid/>
  </g>
</svg>
""".encode()


def test_hostile_svg_is_stored_clean(version):
    variant = variant_create(version=version, name="mark.svg", data=HOSTILE_SVG)
    with variant.file.open("rb") as stream:
        stored = stream.read()
    assert variant.size == len(stored)
    assert variant.sha256 == hashlib.sha256(stored).hexdigest()
    assert variant.content_type == "image/svg+xml"
    assert (variant.width, variant.height) == (240, 120)

    root = ET.fromstring(stored)
    elements = list(root.iter())
    tags = {element.tag.removeprefix(SVG) for element in elements}
    # Nothing that acts or fetches is left …
    assert not tags & {"script", "foreignObject", "set", "iframe", "div"}
    assert all(element.tag.startswith(SVG) for element in elements)
    for element in elements:
        for key, value in element.attrib.items():
            assert not key.lower().startswith("on"), key
            assert "inkscape" not in key
            if key.endswith("href"):
                assert value.startswith(("#", "data:image/png")), value
            assert "evil.example" not in value
            assert "javascript" not in value
    assert b"evil.example" not in stored
    assert b"@import" not in stored
    assert b"alert" not in stored
    # … and the drawing is all there.
    assert {"circle", "rect", "path", "text", "radialGradient", "stop", "use"} <= tags
    circle = root.find(f".//{SVG}circle")
    assert circle.get("fill") == "url(#glow)"
    assert circle.get("r") == "50"
    assert root.find(f".//{SVG}text").text == "百嘎丽"
    assert root.find(f".//{SVG}path").get("d") == "M10 110 L230 110"
    assert "stroke: #333" in root.find(f".//{SVG}g").get("style")
    assert ".ring { fill: url(#glow); }" in root.find(f"{SVG}style").text
    hrefs = [
        value
        for element in elements
        for key, value in element.attrib.items()
        if key.endswith("href")
    ]
    assert sorted(hrefs) == ["#art-copy", "data:image/png;base64,iVBORw0KGgo="]


def test_css_escapes_drop_the_style():
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        b'<rect width="10" height="10" style="fill:u\\72l(https://evil.example)"/>'
        b"<style>.a{background:\\75rl(https://evil.example)}</style></svg>"
    )
    clean = inspect_upload("a.svg", svg).data
    assert b"evil.example" not in clean
    assert b"<rect" in clean


@pytest.mark.parametrize(
    "hostile",
    [
        "<style>svg{background-image:url(https://evil.example/beacon</style>",
        '<rect width="1" height="1" style="background:url(//evil.example/x"/>',
        '<rect width="1" height="1" fill="url(//evil.example/y#g"/>',
        '<rect width="1" height="1" fill="URL(  //evil.example/z"/>',
        # A fragment url( left open swallows a later external url() whole.
        "<style>.a{fill:url(#g;} .b{background:url(https://evil.example/w)}</style>",
    ],
)
def test_unclosed_css_url_is_dropped(hostile):
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        f'<circle r="5" fill="url(#g)"/>{hostile}</svg>'
    )
    clean = inspect_upload("a.svg", svg.encode()).data
    assert b"evil.example" not in clean
    assert b'fill="url(#g)"' in clean


def test_clean_svg_passes_through_unchanged_in_substance():
    facts = inspect_upload("mark.svg", MARK_SVG)
    root = ET.fromstring(facts.data)
    assert (facts.width, facts.height) == (120, 120)
    assert root.find(f"{SVG}circle").attrib == {
        "cx": "60",
        "cy": "60",
        "r": "50",
        "fill": "#0a7",
    }
    assert root.find(f"{SVG}text").text == "BGL"


@pytest.mark.parametrize(
    ("attributes", "size"),
    [
        ('width="10cm" height="5cm"', (378, 189)),
        ('viewBox="0 0 300 150"', (300, 150)),
        ('width="100%" viewBox="0 0 300 150"', (300, 150)),
        ('width="600" viewBox="0 0 300 150"', (600, 300)),
        ("", (None, None)),
        # Sizes no drawing has (infinite, or past any integer column) are
        # left unknown instead of crashing the upload.
        ('viewBox="0 0 inf inf"', (None, None)),
        ('viewBox="0 0 nan 10"', (None, None)),
        ('width="1e400" height="10"', (None, None)),
        ('width="1e300" height="1e300"', (None, None)),
        ('width="1e300" viewBox="0 0 300 150"', (300, 150)),
        ('width="1" viewBox="0 0 1e-300 1e300"', (None, None)),
    ],
)
def test_svg_size_from_attributes_or_view_box(attributes, size):
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" {attributes}><g/></svg>'
    facts = inspect_upload("a.svg", svg.encode())
    assert (facts.width, facts.height) == size


def test_svg_behind_a_long_comment_is_recognised():
    comment = b"<!-- " + "由设计软件导出的说明。".encode() * 600 + b" -->\n"
    assert len(comment) > 4096
    svg = b'<?xml version="1.0" encoding="UTF-8"?>\n' + comment + MARK_SVG
    facts = inspect_upload("mark.svg", svg)
    assert facts.format == VariantFormat.SVG
    assert (facts.width, facts.height) == (120, 120)
    # Still the root decides: HTML behind the same comment is no SVG.
    with pytest.raises(FileRefused) as caught:
        inspect_upload("page.svg", comment + b"<html><body><svg/></body></html>")
    assert caught.value.code == "mismatch"


def test_svg_without_svg_root_is_refused():
    with pytest.raises(FileRefused) as caught:
        inspect_upload("a.svg", b"<?xml version='1.0'?><svgx><svg/></svgx>")
    assert caught.value.code == "mismatch"
