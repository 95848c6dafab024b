"""The WeChat sticker album: the export, read back, meets every count, pixel
size, format, byte and frame-rate limit of the spec rows; an album that
cannot be fixed says why; the spec is data that managers edit."""

from __future__ import annotations

import hashlib
import io
import random
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image, ImageDraw, ImageSequence

from brand_assets.files import inspect_upload
from brand_assets.models import AssetKind, BrandVariant, StickerSpecItem, VariantRole
from brand_assets.services import asset_version_create
from brand_assets.stickers import (
    ProblemLevel,
    sticker_pack_check,
    sticker_pack_export,
    sticker_pack_version,
)

from .builders import approved_version, brand_asset

pytestmark = pytest.mark.django_db

PILLOW_NAMES = {"png": "PNG", "gif": "GIF", "jpeg": "JPEG", "webp": "WEBP"}
KB = 1024


# --- art, made with Pillow ----------------------------------------------------


def art_png(width=240, height=None, *, seed=0, noisy=False, transparent=True):
    """A round sticker on a transparent (or white) background; ``noisy`` fills
    it with random pixels, which PNG cannot compress."""
    height = height or width
    rng = random.Random(seed)
    if noisy:
        image = Image.frombytes(
            "RGB", (width, height), rng.randbytes(width * height * 3)
        ).convert("RGBA")
        mask = Image.new("L", (width, height), 0)
        ImageDraw.Draw(mask).ellipse((2, 2, width - 2, height - 2), fill=255)
        if transparent:
            image.putalpha(mask)
    else:
        background = (0, 0, 0, 0) if transparent else (255, 255, 255, 255)
        image = Image.new("RGBA", (width, height), background)
        colour = tuple(rng.randrange(256) for _ in range(3)) + (255,)
        draw = ImageDraw.Draw(image)
        draw.ellipse(
            (width // 10, height // 10, width * 9 // 10, height * 9 // 10), fill=colour
        )
        draw.rectangle(
            (width // 3, height // 3, width // 2, height // 2), fill=(20, 20, 20, 255)
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def art_gif(size=480, *, frames=20, fps=25, height=None):
    """A ball bouncing across a transparent square, ``fps`` frames a second."""
    height = height or size
    images = []
    for i in range(frames):
        frame = Image.new("RGBA", (size, height), (0, 0, 0, 0))
        x = (i * size // frames) % (size - size // 4)
        ImageDraw.Draw(frame).ellipse(
            (x, height // 3, x + size // 4, height // 3 + size // 4),
            fill=(240, 120 + i * 5 % 100, 30, 255),
        )
        images.append(frame)
    out = io.BytesIO()
    images[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=round(1000 / fps),
        loop=0,
        disposal=2,
    )
    return out.getvalue()


def stored(version, *, name, data, role, position=0):
    """A variant checked by ``inspect_upload`` as an upload is, stored without
    the Wagtail image copy (previews are not what these tests are about)."""
    facts = inspect_upload(name, data)
    variant = BrandVariant(
        version=version,
        role=role,
        position=position,
        format=facts.format,
        original_filename=facts.filename,
        content_type=facts.content_type,
        size=len(facts.data),
        sha256=hashlib.sha256(facts.data).hexdigest(),
        width=facts.width,
        height=facts.height,
        frames=facts.frames,
    )
    variant.file.save(facts.filename, ContentFile(facts.data), save=False)
    variant.save()
    return variant


def sticker_pack(
    count=8,
    *,
    stickers=None,
    thumbnails=(),
    cover=None,
    icon=None,
    banner=None,
    approve=True,
):
    """A sticker pack asset with one version of checked variants.

    ``stickers`` maps a 1-based number to (name, bytes) replacing the plain
    240×240 PNG of that number; ``cover`` and ``banner`` default to fitting
    art; ``icon`` and thumbnails are left out unless given.
    """
    asset = brand_asset("百嘎丽表情", kind=AssetKind.STICKER_PACK)
    version = approved_version(asset) if approve else asset_version_create(asset=asset)
    stickers = stickers or {}
    for number in range(1, count + 1):
        name, data = stickers.get(number, (f"s{number}.png", art_png(seed=number)))
        stored(
            version=version,
            name=name,
            data=data,
            role=VariantRole.STICKER,
            position=number * 10,
        )
    for number, (name, data) in enumerate(thumbnails, 1):
        stored(
            version=version,
            name=name,
            data=data,
            role=VariantRole.STICKER_THUMBNAIL,
            position=number * 10,
        )
    singles = {
        VariantRole.COVER: cover or ("cover.png", art_png(480, seed=99)),
        VariantRole.ICON: icon,
        VariantRole.BANNER: banner or ("banner.png", art_png(750, 400, seed=7)),
    }
    for role, item in singles.items():
        if item:
            stored(version=version, name=item[0], data=item[1], role=role)
    return version


def spec_set(role, **fields):
    StickerSpecItem.objects.filter(role=role).update(**fields)


# --- reading an album back --------------------------------------------------


def album_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def role_of(name: str) -> str:
    if name.startswith("main/"):
        return VariantRole.STICKER
    if name.startswith("thumb/"):
        return VariantRole.STICKER_THUMBNAIL
    return {
        "cover": VariantRole.COVER,
        "icon": VariantRole.ICON,
        "banner": VariantRole.BANNER,
    }[name.rsplit(".", 1)[0]]


def assert_meets_spec(data: bytes) -> dict[str, list[str]]:
    """Every image in the zip against the spec rows as they are now; returns
    the album's files by role."""
    spec = {item.role: item for item in StickerSpecItem.objects.all()}
    members = album_members(data)
    assert "README.txt" in members
    by_role: dict[str, list[str]] = {}
    for name, content in members.items():
        if name == "README.txt":
            continue
        line = spec[role_of(name)]
        by_role.setdefault(line.role, []).append(name)
        # The format as Pillow detects it, not as the extension says.
        image = Image.open(io.BytesIO(content), formats=list(PILLOW_NAMES.values()))
        allowed = [PILLOW_NAMES[fmt] for fmt in line.formats]
        assert image.format in allowed, (name, image.format, allowed)
        assert image.size == (line.width, line.height), (name, image.size)
        assert len(content) <= line.max_bytes, (name, len(content), line.max_bytes)
        frames = getattr(image, "n_frames", 1)
        if frames > 1:
            assert line.max_fps, name
            durations = [f.info["duration"] for f in ImageSequence.Iterator(image)]
            assert 1000 / min(durations) <= line.max_fps, (name, durations)
    main = spec[VariantRole.STICKER]
    assert len(by_role[VariantRole.STICKER]) in main.counts
    assert len(by_role[VariantRole.STICKER_THUMBNAIL]) == len(
        by_role[VariantRole.STICKER]
    )
    for role in (VariantRole.COVER, VariantRole.ICON, VariantRole.BANNER):
        assert len(by_role[role]) == 1, role
    return by_role


def codes(problems, level=ProblemLevel.BLOCKER):
    return [p.code for p in problems if p.level == level]


def messages(problems, level=ProblemLevel.BLOCKER):
    return "\n".join(p.message for p in problems if p.level == level)


# --- a pack that can be fixed ------------------------------------------------


def test_export_fixes_art_and_meets_every_limit_of_the_spec():
    version = sticker_pack(
        stickers={
            1: ("dance.gif", art_gif(480, frames=25, fps=25)),
            2: ("noise.png", art_png(600, noisy=True, seed=2)),
            3: ("jump.gif", art_gif(240, frames=10, fps=10)),
        },
        banner=("banner.png", art_png(1000, 533, noisy=True, seed=5)),
    )
    result = sticker_pack_export(version)

    assert result.ok, result.blockers
    by_role = assert_meets_spec(result.data)
    assert sorted(by_role[VariantRole.STICKER]) == [
        "main/01.gif",
        "main/02.png",
        "main/03.gif",
        *[f"main/{n:02d}.png" for n in range(4, 9)],
    ]
    assert len(by_role[VariantRole.STICKER_THUMBNAIL]) == 8
    members = album_members(result.data)
    # The animation kept moving: several frames, none shown faster than 12 fps.
    dance = Image.open(io.BytesIO(members["main/01.gif"]))
    assert dance.n_frames > 5
    # A 10 fps GIF already fits and is passed through byte for byte.
    assert members["main/03.gif"] == art_gif(240, frames=10, fps=10)
    fixes = messages(result.problems, ProblemLevel.FIX)
    assert "main/01.gif：尺寸 480×480 → 240×240" in fixes
    assert "帧率 25.0 → 11.1 帧/秒" in fixes
    assert "thumb/01.png：由第 1 张表情主图生成" in fixes
    assert "icon.png：由封面图生成" in fixes
    assert "banner.png：尺寸 1000×533 → 750×400" in fixes
    assert "为满足 500 KB 上限压缩为" in fixes
    readme = members["README.txt"].decode()
    assert "表情主图：240×240，GIF/PNG，不超过 500 KB，8、16、24 张" in readme
    assert "main/01.gif" in readme


def test_thumbnails_and_cover_keep_their_transparency():
    version = sticker_pack(stickers={1: ("a.png", art_png(480, seed=1))})
    members = album_members(sticker_pack_export(version).data)
    for name in ("thumb/01.png", "cover.png", "icon.png"):
        image = Image.open(io.BytesIO(members[name])).convert("RGBA")
        assert image.getpixel((0, 0))[3] == 0, name
        assert image.getpixel((image.width // 2, image.height * 3 // 4))[3] == 255


def test_art_without_transparency_is_a_warning_not_a_blocker():
    version = sticker_pack(cover=("cover.png", art_png(240, transparent=False, seed=3)))
    result = sticker_pack_export(version)
    assert result.ok
    assert "没有透明背景" in messages(result.problems, ProblemLevel.WARNING)


def test_older_100_kb_limit_compresses_noisy_art():
    spec_set(VariantRole.STICKER, max_bytes=100 * KB)
    version = sticker_pack(stickers={2: ("noise.png", art_png(600, noisy=True))})
    result = sticker_pack_export(version)
    assert result.ok, result.blockers
    assert_meets_spec(result.data)
    assert "main/02.png" in messages(result.problems, ProblemLevel.FIX)
    assert "为满足 100 KB 上限压缩为 256 色调色板" in messages(
        result.problems, ProblemLevel.FIX
    )


def test_uploaded_thumbnails_are_used_in_order():
    thumbs = [(f"t{n}.png", art_png(120, seed=100 + n)) for n in range(1, 9)]
    version = sticker_pack(thumbnails=thumbs)
    members = album_members(sticker_pack_export(version).data)
    assert members["thumb/03.png"] == thumbs[2][1]


def test_unapproved_version_is_exported_with_a_warning():
    version = sticker_pack(approve=False)
    assert sticker_pack_version(version.asset) == version
    result = sticker_pack_export(version)
    assert result.ok
    assert codes(result.problems, ProblemLevel.WARNING) == ["unapproved"]


# --- packs that cannot be fixed ---------------------------------------------


def test_six_stickers_are_too_few(tmp_path):
    version = sticker_pack(6)
    out = tmp_path / "album.zip"
    result = sticker_pack_export(version, out)
    assert result.data is None and not out.exists()
    assert codes(result.problems) == ["count"]
    assert "表情主图只有 6 张，需要 8、16、24 张：请再补 2 张" in messages(
        result.problems
    )


def test_a_count_between_the_allowed_ones_is_not_trimmed():
    problems = sticker_pack_check(sticker_pack(10))
    assert codes(problems) == ["count"]
    assert "表情主图有 10 张" in messages(problems)
    assert "请删去 2 张或再补 6 张" in messages(problems)


def test_art_that_is_not_square_is_refused_with_its_name():
    version = sticker_pack(stickers={4: ("wide.png", art_png(300, 240, seed=4))})
    problems = sticker_pack_check(version)
    assert codes(problems) == ["not_square"]
    text = messages(problems)
    assert "第 4 张表情主图 wide.png" in text
    assert "300×240，不是正方形" in text


def test_a_banner_of_the_wrong_shape_is_refused():
    version = sticker_pack(banner=("banner.png", art_png(750, 750)))
    assert codes(sticker_pack_check(version)) == ["aspect"]


def test_a_missing_banner_is_refused():
    version = sticker_pack()
    version.variants.filter(role=VariantRole.BANNER).delete()
    problems = sticker_pack_check(version)
    assert codes(problems) == ["missing"]
    assert "缺少详情页横幅" in messages(problems)


def test_a_file_that_cannot_get_under_its_limit_is_named():
    spec_set(VariantRole.COVER, max_bytes=200)
    version = sticker_pack(cover=("big-cover.png", art_png(240, noisy=True)))
    result = sticker_pack_export(version)
    assert not result.ok
    assert codes(result.problems) == ["too_large"]
    text = messages(result.problems)
    assert "封面图 big-cover.png（cover）" in text
    assert "超过上限 200 字节" in text


def test_an_animation_when_the_spec_allows_only_stills():
    spec_set(VariantRole.STICKER, formats=["png"])
    version = sticker_pack(stickers={1: ("dance.gif", art_gif(240))})
    assert codes(sticker_pack_check(version)) == ["animated"]


# --- the spec is data ------------------------------------------------------


def test_spec_edits_take_effect():
    spec_set(VariantRole.BANNER, width=600, height=320, formats=["jpeg"])
    spec_set(VariantRole.STICKER, counts=[8, 12])
    version = sticker_pack(
        banner=("banner.png", art_png(1000, 533, seed=5)),
    )
    result = sticker_pack_export(version)
    assert result.ok, result.blockers
    assert_meets_spec(result.data)
    members = album_members(result.data)
    banner = Image.open(io.BytesIO(members["banner.jpg"]))
    assert (banner.format, banner.size) == ("JPEG", (600, 320))
    assert "banner.jpg：尺寸 1000×533 → 600×320；格式 PNG → JPEG" in messages(
        result.problems, ProblemLevel.FIX
    )


# --- the management command -------------------------------------------------


def test_command_writes_the_album(tmp_path):
    version = sticker_pack(stickers={1: ("dance.gif", art_gif(480))})
    out = tmp_path / "album.zip"
    stdout = io.StringIO()
    call_command("export_sticker_pack", str(version.asset_id), str(out), stdout=stdout)
    assert_meets_spec(out.read_bytes())
    text = stdout.getvalue()
    assert "main/01.gif：尺寸 480×480 → 240×240" in text
    assert f"已写入 {out}" in text


def test_command_fails_with_the_reasons(tmp_path):
    version = sticker_pack(6, stickers={2: ("wide.png", art_png(300, 240))})
    out = tmp_path / "album.zip"
    with pytest.raises(CommandError) as error:
        call_command(
            "export_sticker_pack", str(version.asset_id), str(out), stdout=io.StringIO()
        )
    assert "表情主图只有 6 张" in str(error.value)
    assert "wide.png" in str(error.value)
    assert not out.exists()


def test_command_picks_a_version_by_number(tmp_path):
    version = sticker_pack()
    with pytest.raises(CommandError, match="没有第 9 版"):
        call_command(
            "export_sticker_pack",
            str(version.asset_id),
            str(tmp_path / "a.zip"),
            "--version",
            "9",
        )


def test_a_gif_with_10ms_delays_is_written_out_again_within_max_fps():
    """Viewers show a 10 ms GIF frame for 100 ms, but some players honour
    the 10 ms: such a file must not pass through byte for byte."""
    from brand_assets.stickers.images import picture_fit, picture_open
    from brand_assets.stickers.spec import sticker_spec

    line = sticker_spec()[VariantRole.STICKER]
    assert line.max_fps and "gif" in line.formats
    source = art_gif(line.width, frames=6, fps=100)
    with Image.open(io.BytesIO(source)) as image:
        assert {f.info["duration"] for f in ImageSequence.Iterator(image)} == {10}
    fitted = picture_fit(picture_open(source), line)
    assert fitted.data != source
    with Image.open(io.BytesIO(fitted.data)) as image:
        delays = [f.info["duration"] for f in ImageSequence.Iterator(image)]
    assert 1000 / min(delays) <= line.max_fps, delays


# --- the admin ----------------------------------------------------------------


def test_admin_check_page_lists_problems_and_offers_the_zip(client, editor):
    version = sticker_pack(stickers={1: ("dance.gif", art_gif(480))})
    client.force_login(editor)
    url = reverse("brand_sticker_spec:pack_check", args=[version.asset_id])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "main/01.gif：尺寸 480×480 → 240×240" in html
    assert "下载上传包（zip）" in html

    download = client.get(page.context["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert_meets_spec(download.content)


def test_admin_blocked_pack_shows_reasons_and_no_zip(client, editor):
    version = sticker_pack(6)
    client.force_login(editor)
    url = reverse("brand_sticker_spec:pack_check", args=[version.asset_id])
    html = client.get(url).content.decode()
    assert "表情主图只有 6 张" in html
    assert "下载上传包" not in html
    download = client.get(
        reverse("brand_sticker_spec:pack_download", args=[version.asset_id])
    )
    assert download.status_code == 302 and download.url.startswith(url)


@pytest.mark.parametrize("number", ["²", "1²", "", "99999"])
def test_admin_pack_pages_answer_404_to_an_odd_version_number(client, editor, number):
    version = sticker_pack()
    client.force_login(editor)
    for name in ("pack_check", "pack_download"):
        url = reverse(f"brand_sticker_spec:{name}", args=[version.asset_id])
        assert client.get(url, {"version": number}).status_code == 404


def test_admin_pack_pages_are_for_the_team_only(client):
    from tests.conftest import make_user

    version = sticker_pack()
    client.force_login(make_user("outsider"))
    for name in ("pack_check", "pack_download"):
        response = client.get(
            reverse(f"brand_sticker_spec:{name}", args=[version.asset_id])
        )
        assert response.status_code in (302, 403)
        assert response.get("Content-Type") != "application/zip"


def test_spec_form_checks_formats_and_counts(client, superuser):
    item = StickerSpecItem.objects.get(role=VariantRole.STICKER)
    client.force_login(superuser)
    url = reverse("brand_sticker_spec:edit", args=[item.pk])
    fields = {
        "width": 240,
        "height": 240,
        "formats": "gif, bmp",
        "max_bytes": 102400,
        "counts": "8，16, 24",
        "max_fps": 12,
        "notes": "",
    }
    page = client.post(url, fields)
    assert page.status_code == 200
    assert "不支持的格式：bmp" in page.content.decode()

    client.post(url, {**fields, "formats": "GIF，png, jpg"})
    item.refresh_from_db()
    assert item.formats == ["gif", "png", "jpeg"]
    assert item.counts == [8, 16, 24]

    page = client.post(url, {**fields, "formats": "png", "counts": ""})
    assert "表情主图须填写允许的张数" in page.content.decode()


@pytest.mark.parametrize("counts", ["²", "8, ³", "99999"])
def test_spec_form_refuses_digits_int_cannot_read(client, superuser, counts):
    item = StickerSpecItem.objects.get(role=VariantRole.STICKER)
    client.force_login(superuser)
    url = reverse("brand_sticker_spec:edit", args=[item.pk])
    fields = {
        "width": 240,
        "height": 240,
        "formats": "gif",
        "max_bytes": 102400,
        "counts": counts,
        "max_fps": 12,
        "notes": "",
    }
    page = client.post(url, fields)
    assert page.status_code == 200
    assert "不是张数：请填写 0 到 1000 的整数" in page.content.decode()
