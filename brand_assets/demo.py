"""The demo's small brand library: the 百嘎丽 mark (SVG and PNG), a WeChat
sticker pack of 8 animated stickers, a 文创 design, the 百嘎丽课间操 kit, two
download kits, licences, and the public brand page.

Every file is generated here (Pillow; ffmpeg for the 课间操 music and
demonstration video, only ``with_media``) and enters through the library's
own services, so it passes the same checks as an upload. Loading twice
changes nothing: an asset whose approved version already has the files is
left alone; loading with media after a load without adds a version with the
music and video.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field

from django.db import transaction
from PIL import Image, ImageDraw, ImageFont
from wagtail.models import Collection, Page, Site

from .kits import kit_build
from .licences import licence_create
from .models import (
    AssetKind,
    BrandAsset,
    BrandKit,
    BrandLibraryPage,
    Licence,
    LicenseeKind,
    UsageScope,
    VariantRole,
)
from .services import (
    asset_version_create,
    variant_create,
    variant_create_from_media,
    version_approve,
)

GREEN = (11, 110, 79)
GREEN_DARK = (6, 61, 44)
GOLD = (242, 183, 5)
SKY = (120, 190, 230)
WHITE = (255, 255, 255)
ATTRIBUTION = "百嘎丽 © 鄂尔多斯市科学技术协会"
DEMO_PARTNER_NAME = "科普中国（演示合作方）"
DEMO_PARTNER_PLATFORM = "kepu-china"
DEMO_SCHOOL = "鄂尔多斯市东胜区第一小学（演示）"
PAGE_SLUG = "brand"


@dataclass(frozen=True)
class DemoFile:
    name: str
    role: str
    position: int
    label: str
    make: object  # () -> bytes, called only when the file is needed


@dataclass
class DemoBrand:
    assets: dict[str, BrandAsset] = field(default_factory=dict)
    kits: dict[str, BrandKit] = field(default_factory=dict)
    licences: list[Licence] = field(default_factory=list)
    page: BrandLibraryPage | None = None


# --- Pictures -------------------------------------------------------------------


def _font(size: int):
    """DejaVu Sans Bold where installed, else Pillow's own scalable font.
    Neither has Chinese glyphs, so raster art carries the pinyin wordmark;
    the SVG carries 百嘎丽 and lets the viewer's fonts draw it."""
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


MARK_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" \
width="512" height="512" role="img" aria-label="百嘎丽">
  <title>百嘎丽</title>
  <circle cx="256" cy="256" r="240" fill="#0b6e4f"/>
  <path d="M40 350 C150 300 300 400 472 350 A236 236 0 0 1 40 350 Z" \
fill="#063d2c"/>
  <circle cx="256" cy="256" r="218" fill="none" stroke="#ffffff" stroke-width="8"/>
  <circle cx="256" cy="168" r="44" fill="#f2b705"/>
  <ellipse cx="256" cy="168" rx="104" ry="34" fill="none" stroke="#ffffff" \
stroke-width="7"/>
  <text x="256" y="292" text-anchor="middle" font-size="88" font-weight="700" \
fill="#ffffff" font-family="'Noto Sans SC','PingFang SC','Microsoft YaHei',sans-serif">\
百嘎丽</text>
  <text x="256" y="392" text-anchor="middle" font-size="34" letter-spacing="6" \
fill="#ffffff" font-family="sans-serif">BAIGALI</text>
</svg>
"""


def mark_svg() -> bytes:
    return MARK_SVG.encode()


def mark_png(size: int = 1024) -> bytes:
    """The mark's pictogram and pinyin wordmark, drawn at ``size`` pixels."""
    scale = size / 512
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)

    def s(*values):
        return [v * scale for v in values]

    draw.ellipse(s(16, 16, 496, 496), fill=GREEN)
    # A rolling steppe across the lower badge, inside the white ring.
    steppe = [
        (x, 350 - 26 * math.sin((x - 40) / 432 * 2 * math.pi))
        for x in range(40, 473, 8)
    ]
    steppe += [
        (256 + 226 * math.cos(math.radians(a)), 256 + 226 * math.sin(math.radians(a)))
        for a in range(20, 161, 4)
    ]
    draw.polygon([(x * scale, y * scale) for x, y in steppe], fill=GREEN_DARK)
    draw.ellipse(s(38, 38, 474, 474), outline=WHITE, width=round(8 * scale))
    draw.ellipse(s(212, 124, 300, 212), fill=GOLD)
    draw.arc(s(152, 134, 360, 202), 200, 520, fill=WHITE, width=round(7 * scale))
    draw.text(
        (256 * scale, 300 * scale),
        "BAIGALI",
        font=_font(round(64 * scale)),
        fill=WHITE,
        anchor="mm",
    )
    return _png(image)


# The 8 stickers: (label, file stem, how the face moves).
STICKERS = [
    ("你好", "hello", "wave"),
    ("点赞", "like", "bounce"),
    ("眨眼", "wink", "blink"),
    ("好奇", "curious", "tilt"),
    ("开心", "happy", "jump"),
    ("加油", "cheer", "pulse"),
    ("谢谢", "thanks", "bow"),
    ("晚安", "goodnight", "sleep"),
]
STICKER_FRAMES = 4
STICKER_FRAME_MS = 150  # under 12 frames a second, as the album asks


def _sticker_frame(motion: str, frame: int, size: int = 240) -> Image.Image:
    """One frame of the round green mascot face, moving as ``motion`` says."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    phase = frame / STICKER_FRAMES * 2 * math.pi
    dx, dy, r = 0.0, 0.0, 86.0
    if motion in ("bounce", "jump"):
        dy = -abs(math.sin(phase)) * (18 if motion == "jump" else 10)
    elif motion == "tilt":
        dx = math.sin(phase) * 10
    elif motion == "pulse":
        r += math.sin(phase) * 6
    elif motion == "bow":
        dy = max(0.0, math.sin(phase)) * 14
    cx, cy = size / 2 + dx, size / 2 + 10 + dy
    draw.ellipse(
        (cx - r, cy - r, cx + r, cy + r), fill=GREEN, outline=GREEN_DARK, width=5
    )
    # Two little ears, as the steppe's horse-head fiddle scroll.
    for side in (-1, 1):
        ex = cx + side * r * 0.62
        draw.ellipse((ex - 18, cy - r - 6, ex + 18, cy - r + 30), fill=GREEN)
    closed = (motion == "blink" and frame == 2) or motion == "sleep"
    for side in (-1, 1):
        ex, ey = cx + side * 30, cy - 14
        if closed or (motion == "wink" and side == 1 and frame % 2):
            draw.arc((ex - 13, ey - 6, ex + 13, ey + 12), 200, 340, fill=WHITE, width=5)
        else:
            draw.ellipse((ex - 12, ey - 12, ex + 12, ey + 12), fill=WHITE)
            draw.ellipse((ex - 5, ey - 5, ex + 5, ey + 5), fill=GREEN_DARK)
    if motion == "sleep":
        draw.ellipse((cx - 10, cy + 24, cx + 10, cy + 34), fill=GREEN_DARK)
        z = 10 + frame * 4
        draw.text((cx + r - 10, cy - r - frame * 6), "z", font=_font(z + 12), fill=SKY)
    else:
        draw.arc((cx - 32, cy + 4, cx + 32, cy + 44), 20, 160, fill=WHITE, width=6)
    if motion == "wave":
        angle = math.radians(-30 + 30 * math.sin(phase))
        hx, hy = cx + r + 4, cy + 10
        tx, ty = hx + 34 * math.cos(angle), hy - 34 * math.cos(angle) - 18
        draw.line((hx - 10, hy, tx, ty), fill=GREEN_DARK, width=12)
        draw.ellipse((tx - 14, ty - 14, tx + 14, ty + 14), fill=GOLD)
    elif motion in ("bounce", "cheer", "pulse"):
        star_r = 18 + 4 * math.sin(phase)
        draw.regular_polygon((size - 36, 36, star_r), 5, fill=GOLD)
    elif motion == "tilt":
        draw.text((size - 44, 20), "?", font=_font(44), fill=GOLD)
    elif motion == "happy" or motion == "jump":
        for i in range(3):
            a = phase + i * 2.1
            draw.ellipse(
                (
                    size / 2 + 100 * math.cos(a) - 6,
                    40 + 10 * math.sin(a) - 6,
                    size / 2 + 100 * math.cos(a) + 6,
                    40 + 10 * math.sin(a) + 6,
                ),
                fill=GOLD,
            )
    elif motion == "bow":
        draw.text((size / 2, 26), "THX", font=_font(28), fill=GOLD, anchor="mm")
    return image


def sticker_gif(motion: str) -> bytes:
    frames = [_sticker_frame(motion, n) for n in range(STICKER_FRAMES)]
    out = io.BytesIO()
    frames[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=STICKER_FRAME_MS,
        loop=0,
        disposal=2,
        optimize=True,
    )
    return out.getvalue()


def sticker_still(motion: str, size: int) -> bytes:
    frame = _sticker_frame(motion, 0)
    return _png(frame.resize((size, size), Image.Resampling.LANCZOS))


def sticker_banner() -> bytes:
    """750×400: the eight faces on a steppe at dusk."""
    image = Image.new("RGB", (750, 400), GREEN_DARK)
    draw = ImageDraw.Draw(image)
    for y in range(260):
        t = y / 260
        colour = tuple(int(a + (b - a) * t) for a, b in zip(SKY, GOLD, strict=True))
        draw.line((0, y, 750, y), fill=colour)
    draw.polygon(
        [
            (0, 270),
            *(
                (x, 260 - 30 * math.sin(x / 750 * 3 * math.pi))
                for x in range(0, 751, 10)
            ),
            (750, 400),
            (0, 400),
        ],
        fill=GREEN,
    )
    for i, (_label, _stem, motion) in enumerate(STICKERS):
        face = _sticker_frame(motion, 0).resize((110, 110), Image.Resampling.LANCZOS)
        image.paste(face, (20 + i * 90, 250 - (i % 2) * 30), face)
    draw.text((375, 60), "BAIGALI", font=_font(56), fill=WHITE, anchor="mm")
    return _png(image)


def merchandise_png() -> bytes:
    """A tote bag design: the mark on canvas."""
    image = Image.new("RGB", (800, 800), (236, 228, 210))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (170, 220, 630, 740),
        radius=24,
        fill=(246, 240, 226),
        outline=(180, 170, 150),
        width=4,
    )
    draw.arc((290, 90, 510, 330), 180, 360, fill=(180, 170, 150), width=18)
    mark = Image.open(io.BytesIO(mark_png(320)))
    image.paste(mark, (240, 300), mark)
    return _png(image)


# The 课间操 step sheet: eight moves, each a stick figure with its count.
STEPS = [
    ("arms up", (-60, -60), (60, -60), (-20, 80), (20, 80)),
    ("arms out", (-80, 0), (80, 0), (-20, 80), (20, 80)),
    ("left lunge", (-70, -20), (70, -20), (-60, 70), (30, 80)),
    ("right lunge", (-70, -20), (70, -20), (-30, 80), (60, 70)),
    ("reach left", (-80, -50), (-30, -70), (-20, 80), (20, 80)),
    ("reach right", (30, -70), (80, -50), (-20, 80), (20, 80)),
    ("jump", (-60, -70), (60, -70), (-40, 70), (40, 70)),
    ("rest", (-25, 60), (25, 60), (-20, 80), (20, 80)),
]


def step_sheet_pdf() -> bytes:
    """An A4 page (at 100 dpi) of the eight moves, saved by Pillow as PDF."""
    width, height = 827, 1169
    image = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 120), fill=GREEN)
    draw.text(
        (width / 2, 60), "BAIGALI  KEJIANCAO", font=_font(44), fill=WHITE, anchor="mm"
    )
    cell_w, cell_h = width / 2, (height - 160) / 4
    for n, (name, left_hand, right_hand, left_foot, right_foot) in enumerate(STEPS):
        col, row = n % 2, n // 2
        x0, y0 = col * cell_w, 140 + row * cell_h
        draw.rounded_rectangle(
            (x0 + 16, y0 + 8, x0 + cell_w - 16, y0 + cell_h - 8),
            radius=14,
            outline=GREEN,
            width=3,
        )
        cx, cy = x0 + cell_w / 2, y0 + cell_h / 2 - 10
        draw.ellipse((cx - 16, cy - 76, cx + 16, cy - 44), outline=GREEN_DARK, width=5)
        draw.line((cx, cy - 44, cx, cy + 20), fill=GREEN_DARK, width=6)
        for hx, hy in (left_hand, right_hand):
            draw.line(
                (cx, cy - 28, cx + hx, cy - 28 + hy * 0.6), fill=GREEN_DARK, width=6
            )
        for fx, fy in (left_foot, right_foot):
            draw.line(
                (cx, cy + 20, cx + fx * 0.7, cy + 20 + fy * 0.8),
                fill=GREEN_DARK,
                width=6,
            )
        draw.ellipse((x0 + 30, y0 + 22, x0 + 78, y0 + 70), fill=GOLD)
        draw.text(
            (x0 + 54, y0 + 46), str(n + 1), font=_font(28), fill=GREEN_DARK, anchor="mm"
        )
        draw.text(
            (cx, y0 + cell_h - 34),
            f"{name} · 4x8",
            font=_font(22),
            fill=GREEN_DARK,
            anchor="mm",
        )
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=100.0, title="百嘎丽课间操 动作图解")
    return out.getvalue()


# --- Media (only with_media) ----------------------------------------------------

MUSIC_TITLE = "演示音频：百嘎丽课间操音乐"
VIDEO_TITLE = "演示视频：百嘎丽课间操示范"
# A bright four-to-the-bar march at 120 bpm.
MARCH = (
    "aevalsrc=0.3*sin(2*PI*(392+98*floor(mod(t*2\\,4)))*t)"
    "*(0.6+0.4*lt(mod(t\\,0.5)\\,0.12)):s=48000:c=stereo"
)


def demo_exercise_media() -> dict[str, object]:
    """The 课间操 music and demonstration video in the media library,
    generated and processed here if missing (as the media demo does)."""
    from media_pipeline.demo import demo_media

    specs = {
        MUSIC_TITLE: (
            "baigali-kejiancao-music.wav",
            ["-f", "lavfi", "-i", MARCH, "-c:a", "pcm_s16le"],
            12,
        ),
        VIDEO_TITLE: (
            "baigali-kejiancao-demo.mp4",
            [
                "-f", "lavfi", "-i", "testsrc2=size=960x540:rate=25",
                "-f", "lavfi", "-i", MARCH,
                "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                "-c:a", "aac",
            ],
            8,
        ),
    }  # fmt: skip
    return demo_media(specs, prefix="baigali-brand-demo-")


# --- Assets ---------------------------------------------------------------------


def _asset(slug: str, **fields) -> BrandAsset:
    asset = BrandAsset.objects.filter(slug=slug).first()
    if asset is None:
        asset = BrandAsset(
            slug=slug, collection=Collection.get_first_root_node(), **fields
        )
        asset.full_clean()
        asset.save()
    return asset


def _ensure_version(
    asset: BrandAsset, files: list[DemoFile], media: list[tuple] = (), notes: str = ""
):
    """The asset's approved version with these files, made and approved
    unless the approved version has them all already."""
    wanted = {(f.role, f.position, f.label) for f in files} | {
        (role, position, label) for _m, role, position, label in media
    }
    current = asset.approved_version
    if current is not None:
        have = set(current.variants.values_list("role", "position", "label"))
        if wanted <= have:
            return current
    version = asset_version_create(asset=asset, notes=notes)
    for demo_file in files:
        variant_create(
            version=version,
            name=demo_file.name,
            data=demo_file.make(),
            role=demo_file.role,
            position=demo_file.position,
            label=demo_file.label,
        )
    for media_asset, role, position, label in media:
        variant_create_from_media(
            version=version,
            media_asset=media_asset,
            role=role,
            position=position,
            label=label,
        )
    return version_approve(version=version)


def demo_mark() -> BrandAsset:
    mark = _asset(
        "baigali-mark",
        name="百嘎丽标志",
        kind=AssetKind.MARK,
        description="百嘎丽科普品牌的标志：草原、星辰与科学的轨道，配以中文字标。",
        usage_guidance=(
            "最小使用尺寸：印刷品高 15 毫米，屏幕上高 48 像素。\n"
            "四周留白不小于标志高度的四分之一。\n"
            "只使用标准绿（#0B6E4F）或反白版本；不得变形、改色、加描边或拆分图形与字标。"
        ),
        allowed_uses=[
            UsageScope.DIGITAL,
            UsageScope.PRINT,
            UsageScope.BROADCAST,
            UsageScope.EDUCATION,
            UsageScope.EVENT,
            UsageScope.OUTDOOR,
        ],
        attribution=ATTRIBUTION,
        is_public=True,
        public_download=True,
    )
    _ensure_version(
        mark,
        [
            DemoFile(
                "baigali-mark.svg", VariantRole.MAIN, 0, "标志（矢量 SVG）", mark_svg
            ),
            DemoFile(
                "baigali-mark.png",
                VariantRole.MAIN,
                1,
                "标志（1024×1024 透明底 PNG）",
                mark_png,
            ),
        ],
        notes="品牌标志定稿。",
    )
    return mark


def demo_stickers() -> BrandAsset:
    pack = _asset(
        "baigali-stickers-1",
        name="百嘎丽表情包·第一辑",
        kind=AssetKind.STICKER_PACK,
        description=(
            "小百嘎的 8 个动态表情：你好、点赞、眨眼、好奇、开心、加油、谢谢、晚安。"
        ),
        usage_guidance="在微信表情开放平台上架使用；请勿改动形象或加入商业广告。",
        allowed_uses=[UsageScope.DIGITAL],
        attribution=ATTRIBUTION,
        is_public=True,
        public_download=False,
    )
    files = []
    for position, (label, stem, motion) in enumerate(STICKERS, start=1):
        files.append(
            DemoFile(
                f"{position:02d}-{stem}.gif",
                VariantRole.STICKER,
                position,
                label,
                lambda motion=motion: sticker_gif(motion),
            )
        )
        files.append(
            DemoFile(
                f"{position:02d}-{stem}-thumb.png",
                VariantRole.STICKER_THUMBNAIL,
                position,
                f"{label}（缩略图）",
                lambda motion=motion: sticker_still(motion, 120),
            )
        )
    files += [
        DemoFile(
            "cover.png",
            VariantRole.COVER,
            0,
            "封面图",
            lambda: sticker_still("wave", 240),
        ),
        DemoFile(
            "icon.png",
            VariantRole.ICON,
            0,
            "聊天页图标",
            lambda: sticker_still("wave", 50),
        ),
        DemoFile("banner.png", VariantRole.BANNER, 0, "详情页横幅", sticker_banner),
    ]
    _ensure_version(pack, files, notes="第一辑 8 个表情。")
    return pack


def demo_merchandise() -> BrandAsset:
    tote = _asset(
        "baigali-tote-bag",
        name="百嘎丽帆布袋",
        kind=AssetKind.MERCHANDISE,
        description="科普活动伴手礼：米色帆布袋，正面印百嘎丽标志。",
        usage_guidance="生产前请将打样寄送品牌方确认色彩。",
        allowed_uses=[UsageScope.MERCHANDISE, UsageScope.EVENT],
        attribution=ATTRIBUTION,
        is_public=True,
        public_download=False,
    )
    _ensure_version(
        tote,
        [DemoFile("tote-bag.png", VariantRole.MAIN, 0, "效果图", merchandise_png)],
        notes="2024 年活动版。",
    )
    return tote


def demo_exercise(*, with_media: bool) -> BrandAsset:
    exercise = _asset(
        "baigali-kejiancao",
        name="百嘎丽课间操",
        kind=AssetKind.EXERCISE_KIT,
        description="面向中小学的课间操：配乐、示范视频与动作图解，八个动作，每个四个八拍。",
        usage_guidance=(
            "供学校课间活动与教学免费使用；配乐与示范视频不得剪辑后用于商业用途。\n"
            "公开播放时请注明出处。"
        ),
        allowed_uses=[UsageScope.EDUCATION, UsageScope.EVENT, UsageScope.DIGITAL],
        attribution=ATTRIBUTION,
        is_public=True,
        public_download=True,
    )
    files = [
        DemoFile(
            "baigali-kejiancao-steps.pdf",
            VariantRole.GUIDE,
            0,
            "动作图解（A4 PDF）",
            step_sheet_pdf,
        )
    ]
    media = []
    if with_media:
        library = demo_exercise_media()
        media = [
            (library[MUSIC_TITLE], VariantRole.MAIN, 1, "课间操配乐"),
            (library[VIDEO_TITLE], VariantRole.MAIN, 2, "示范视频"),
        ]
    _ensure_version(exercise, files, media, notes="2024 年秋季学期版。")
    return exercise


# --- Kits, licences, the page ---------------------------------------------------


def demo_kits(assets: dict[str, BrandAsset]) -> dict[str, BrandKit]:
    specs = [
        ("baigali-mark-kit", "标志套件", "百嘎丽标志的全部格式与使用规范。", ["mark"]),
        (
            "baigali-kejiancao-kit",
            "课间操套件",
            "学校开展百嘎丽课间操所需的配乐、示范视频与动作图解。",
            ["exercise"],
        ),
    ]
    kits = {}
    for slug, name, description, keys in specs:
        kit, created = BrandKit.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
        if created:
            kit.assets.set([assets[key] for key in keys])
        # A no-op when the kit is current, so the demo's kits are ready even
        # where no worker runs.
        kits[name] = kit_build(kit_id=kit.pk) or kit
    return kits


def demo_licences(assets: dict[str, BrandAsset]) -> list[Licence]:
    from syndication.models import PartnerAccount, Platform

    licences = []
    platform = Platform.objects.filter(slug=DEMO_PARTNER_PLATFORM).first()
    if platform is not None:
        partner, _ = PartnerAccount.objects.get_or_create(
            name=DEMO_PARTNER_NAME, defaults={"platform": platform}
        )
        licences.append(
            _licence(
                assets["mark"],
                licensee_name=partner.name,
                licensee_kind=LicenseeKind.PARTNER,
                partner=partner,
                uses=[UsageScope.DIGITAL],
                notes="科普中国专题页使用百嘎丽标志（演示）。",
            )
        )
    licences.append(
        _licence(
            assets["stickers"],
            licensee_name=DEMO_SCHOOL,
            licensee_kind=LicenseeKind.SCHOOL,
            uses=[UsageScope.DIGITAL],
            notes="校园公众号使用百嘎丽表情（演示）。",
        )
    )
    return licences


def _licence(asset: BrandAsset, *, licensee_name: str, **fields) -> Licence:
    existing = Licence.objects.filter(asset=asset, licensee_name=licensee_name).first()
    if existing:
        return existing
    return licence_create(
        asset=asset,
        licensee_name=licensee_name,
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2030, 12, 31),
        attribution=ATTRIBUTION,
        **fields,
    )


def demo_brand_page() -> BrandLibraryPage | None:
    """The brand page under the site's home page, if there is a home page."""
    existing = BrandLibraryPage.objects.first()
    if existing:
        return existing
    site = Site.objects.filter(is_default_site=True).first()
    home = site.root_page if site else None
    if home is None or home.depth < 2:
        home = Page.objects.filter(depth=2).first()
    if home is None:
        return None
    page = BrandLibraryPage(
        title="品牌资产",
        slug=PAGE_SLUG,
        show_in_menus=True,
        intro=(
            "<p>百嘎丽的标志、表情包、文创设计与课间操。"
            "这里展示已审定的版本和它们的使用规范，标注“可下载”的可直接取用。</p>"
        ),
        download_note=(
            "<p>下载即表示同意按各资产的使用规范与署名要求使用。"
            "合作平台与学校如需其他用途，请联系鄂尔多斯市科学技术协会取得授权。</p>"
        ),
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


@transaction.atomic
def demo_brand_assets(*, with_media: bool = True) -> DemoBrand:
    """Load the demo brand library; loading again changes nothing."""
    result = DemoBrand()
    result.assets = {
        "mark": demo_mark(),
        "stickers": demo_stickers(),
        "merchandise": demo_merchandise(),
        "exercise": demo_exercise(with_media=with_media),
    }
    result.kits = demo_kits(result.assets)
    result.licences = demo_licences(result.assets)
    result.page = demo_brand_page()
    return result
