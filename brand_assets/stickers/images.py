"""Pillow work for sticker albums: open an image of an allowed format, and fit
it to a spec line — pixel size, frame rate, format and byte limit.

Nothing here knows about variants or albums; ``album.py`` says which image
goes where and words the problems for people.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from ..files import max_image_pixels
from .spec import SPEC_FORMATS, SpecLine, format_bytes

#: Only these decoders ever see a file (Pillow would try dozens otherwise).
PILLOW_FORMATS = ("PNG", "GIF", "JPEG", "WEBP")
#: Formats an animation can be written in; PNG means a still in an album.
ANIMATED_FORMATS = ("gif", "webp")
#: How far art may be off the target's aspect ratio and still be resized.
ASPECT_TOLERANCE = 0.02
MAX_FRAMES = 300
#: Decoded pixels over all frames of one animation.
MAX_TOTAL_PIXELS = 256_000_000
#: Browsers (and WeChat) show a GIF frame with a shorter delay for 100 ms.
GIF_SHORT_DELAY_MS = 20
GIF_DEFAULT_DELAY_MS = 100
ORIENTATION_TAG = 0x0112


class PictureError(Exception):
    """An image that cannot be used at all; ``message`` is for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Picture:
    """An opened image: its size, frames and frame durations.

    Frames are decoded on demand and only those asked for are kept, resized
    as they are decoded, so a large animation never sits in memory at its
    full size.
    """

    def __init__(
        self,
        image: Image.Image,
        *,
        format: str | None,
        data: bytes | None,
        durations: list[int],
        raw_durations: list[int] | None = None,
    ):
        self._image = image
        self.format = format  # "png", "gif", "jpeg", "webp"; None when generated
        self.data = data  # the original bytes; None when generated
        self.durations = durations  # milliseconds, one per frame, as shown
        # As the file says: a GIF delay under 20 ms is shown as 100 ms, so
        # ``durations`` differs, and the file cannot pass through as it is.
        self.raw_durations = durations if raw_durations is None else raw_durations
        self.width, self.height = image.size
        self.has_transparency = _has_transparency(self.frames_at([0])[0])

    @property
    def animated(self) -> bool:
        return len(self.durations) > 1

    @property
    def fps(self) -> float | None:
        return fps_of(self.durations) if self.animated else None

    def frames_at(
        self, indices: list[int] | range, size: tuple[int, int] | None = None
    ) -> list[Image.Image]:
        """The frames at ``indices`` (repeats allowed) as RGBA, resized to
        ``size``; frames not asked for are decoded but never resized."""
        wanted = set(indices)
        decoded = {}
        self._image.seek(0)
        for index, frame in enumerate(ImageSequence.Iterator(self._image)):
            if index in wanted:
                rgba = frame.convert("RGBA")
                if size and rgba.size != size:
                    rgba = rgba.resize(size, Image.Resampling.LANCZOS)
                decoded[index] = rgba
            if index >= max(wanted) or not self.animated:
                break
        return [decoded[index] for index in indices]

    def still(self) -> Picture:
        """The first frame as a still of its own (to make a thumbnail from)."""
        return Picture(self.frames_at([0])[0], format=None, data=None, durations=[0])


def picture_open(data: bytes) -> Picture:
    """Open ``data`` with the allowed decoders only; ``PictureError`` if not."""
    limit = max_image_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=PILLOW_FORMATS)
            width, height = image.size
            if width * height > limit:
                raise PictureError(
                    "too_many_pixels",
                    _("画面 %(w)d×%(h)d 超过像素上限") % {"w": width, "h": height},
                )
            n_frames = getattr(image, "n_frames", 1)
            if n_frames > MAX_FRAMES or n_frames * width * height > MAX_TOTAL_PIXELS:
                raise PictureError(
                    "too_many_frames",
                    _("动图有 %(n)d 帧，超过可处理的上限 %(max)d 帧")
                    % {"n": n_frames, "max": MAX_FRAMES},
                )
            fmt = image.format.lower()
            if n_frames > 1:
                durations, raw_durations = _durations(image)
                image.seek(0)
            else:
                durations = raw_durations = [0]
                # Phones store JPEGs sideways with an orientation tag; such a
                # file is re-encoded upright, never passed through.
                if image.getexif().get(ORIENTATION_TAG, 1) != 1:
                    image, data = ImageOps.exif_transpose(image), None
                image.load()
            return Picture(
                image,
                format=fmt,
                data=data,
                durations=durations,
                raw_durations=raw_durations,
            )
    except UnidentifiedImageError:
        raise PictureError(
            "format",
            _("不是允许的图片格式（PNG、GIF、JPEG、WebP）"),
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PictureError("too_many_pixels", _("画面超过像素上限")) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise PictureError("broken", _("图片文件已损坏，无法读取")) from None


def _durations(image: Image.Image) -> tuple[list[int], list[int]]:
    """Frame durations as viewers show them, and as the file states them."""
    durations, raw = [], []
    for frame in ImageSequence.Iterator(image):
        frame.load()  # WebP sets a frame's duration only when it is loaded
        ms = int(frame.info.get("duration") or 0)
        raw.append(ms)
        durations.append(GIF_DEFAULT_DELAY_MS if ms < GIF_SHORT_DELAY_MS else ms)
    return durations, raw


def _has_transparency(rgba: Image.Image) -> bool:
    return rgba.getchannel("A").getextrema()[0] < 255


def fps_of(durations: list[int]) -> float:
    """The fastest rate any frame is shown at (a short frame is a fast one)."""
    return 1000 / min(durations)


@dataclass
class Fitted:
    """An image made to a spec line, and what was done to get there."""

    data: bytes
    format: str
    width: int
    height: int
    frames: int
    fps: float | None
    actions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.data)


class FitError(Exception):
    """The image cannot be fitted automatically; ``message`` says why and
    what to do, in Chinese."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def picture_fit(picture: Picture, line: SpecLine) -> Fitted:
    """Make ``picture`` what ``line`` asks for, or raise ``FitError``.

    Resizes (only art within ``ASPECT_TOLERANCE`` of the target's shape),
    caps the frame rate by resampling frames in time, converts the format,
    and compresses in steps until the file is under the byte limit. A file
    that already meets the line is passed through byte for byte.
    """
    if not line.formats:
        raise FitError("spec", _("表情规格没有列出可用的格式：请先在表情规格中填写"))
    _check_aspect(picture, line)
    fmt = _output_format(picture, line)
    size = (line.width, line.height)
    actions: list[str] = []
    notes: list[str] = []

    if (picture.width, picture.height) != size:
        actions.append(
            _("尺寸 %(w)d×%(h)d → %(tw)d×%(th)d")
            % {"w": picture.width, "h": picture.height, "tw": size[0], "th": size[1]}
        )
        if picture.width < size[0] or picture.height < size[1]:
            notes.append(
                _(
                    "原图只有 %(w)d×%(h)d，放大到 %(tw)d×%(th)d 会发虚："
                    "建议上传更大的原图"
                )
                % {
                    "w": picture.width,
                    "h": picture.height,
                    "tw": size[0],
                    "th": size[1],
                }
            )
    if picture.format and fmt != picture.format:
        actions.append(
            _("格式 %(src)s → %(dst)s")
            % {"src": SPEC_FORMATS[picture.format], "dst": SPEC_FORMATS[fmt]}
        )
    if line.transparent and picture.has_transparency and fmt == "jpeg":
        notes.append(_("规格要求透明背景，但 JPEG 不支持透明：已铺白底"))
    elif line.transparent and not picture.has_transparency:
        notes.append(_("没有透明背景（规格要求透明背景）：建议上传带透明通道的 PNG"))

    durations = picture.durations
    keep = list(range(len(durations)))  # source frame index of each output frame
    if picture.animated and fmt in ANIMATED_FORMATS:
        min_ms = 1000 / line.max_fps if line.max_fps else 0
        if min(durations) < min_ms - 1e-6:
            keep, durations = _resample(durations, _delay_floor(min_ms, fmt))
            actions.append(
                _("帧率 %(src).1f → %(dst).1f 帧/秒（%(n)d 帧 → %(m)d 帧）")
                % {
                    "src": picture.fps,
                    "dst": fps_of(durations),
                    "n": len(picture.durations),
                    "m": len(durations),
                }
            )
        elif fmt == "gif":
            durations = [_round_gif_delay(ms, min_ms) for ms in durations]
    else:
        keep, durations = [0], [0]

    if (
        not actions
        and picture.data is not None
        and len(picture.data) <= line.max_bytes
        and durations == picture.durations
        # Delays a viewer reads differently (a GIF's 10 ms) would pass through
        # as written, and some players honour them: write them out again.
        and durations == picture.raw_durations
    ):
        return _fitted(picture.data, fmt, size, durations, [], notes)

    frames = picture.frames_at(keep, size)
    smallest = None
    for n, (label, encode) in enumerate(_attempts(fmt, frames, durations)):
        data, used = encode()
        if len(data) <= line.max_bytes:
            if n:
                actions.append(
                    _("为满足 %(max)s 上限压缩为 %(how)s（%(size)s）")
                    % {
                        "max": format_bytes(line.max_bytes),
                        "how": label,
                        "size": format_bytes(len(data)),
                    }
                )
            return _fitted(data, fmt, size, used, actions, notes)
        if smallest is None or len(data) < smallest[0]:
            smallest = (len(data), label)
    advice = (
        _("请简化画面、减少颜色或帧数后重新上传")
        if picture.animated
        else _("请简化画面或减少颜色后重新上传")
    )
    raise FitError(
        "too_large",
        _("压缩到最小仍有 %(size)s（%(how)s），超过上限 %(max)s：%(advice)s")
        % {
            "size": format_bytes(smallest[0]),
            "how": smallest[1],
            "max": format_bytes(line.max_bytes),
            "advice": advice,
        },
    )


def _fitted(data, fmt, size, durations, actions, notes) -> Fitted:
    animated = len(durations) > 1
    return Fitted(
        data=data,
        format=fmt,
        width=size[0],
        height=size[1],
        frames=len(durations),
        fps=fps_of(durations) if animated else None,
        actions=actions,
        warnings=notes,
    )


def _check_aspect(picture: Picture, line: SpecLine) -> None:
    ratio = (picture.width / picture.height) / (line.width / line.height)
    if abs(ratio - 1) <= ASPECT_TOLERANCE:
        return
    values = {
        "w": picture.width,
        "h": picture.height,
        "tw": line.width,
        "th": line.height,
    }
    if line.is_square:
        raise FitError(
            "not_square",
            _(
                "画面为 %(w)d×%(h)d，不是正方形，无法自动缩放：请把画布裁切或扩展为"
                "正方形（%(tw)d×%(th)d）后重新上传"
            )
            % values,
        )
    raise FitError(
        "aspect",
        _(
            "画面为 %(w)d×%(h)d，宽高比与 %(tw)d×%(th)d 不符，无法自动缩放：请按 "
            "%(tw)d:%(th)d 裁切后重新上传"
        )
        % values,
    )


def _output_format(picture: Picture, line: SpecLine) -> str:
    """The source's format if the line allows it, else the line's first
    format that can hold the image (animations need an animated format)."""
    if picture.animated:
        allowed = [fmt for fmt in line.formats if fmt in ANIMATED_FORMATS]
        if not allowed:
            raise FitError(
                "animated",
                _(
                    "是动图，但规格只允许 %(formats)s 静态图："
                    "请上传静态图，或在表情规格中加入 GIF"
                )
                % {"formats": "、".join(SPEC_FORMATS[f] for f in line.formats)},
            )
    else:
        allowed = list(line.formats)
    return picture.format if picture.format in allowed else allowed[0]


def _delay_floor(min_ms: float, fmt: str) -> int:
    """The shortest frame delay allowed; GIF counts in hundredths of a second."""
    if fmt == "gif":
        return max(GIF_SHORT_DELAY_MS, math.ceil(min_ms / 10 - 1e-9) * 10)
    return math.ceil(min_ms - 1e-9)


def _round_gif_delay(ms: int, min_ms: float) -> int:
    return max(round(ms / 10) * 10, _delay_floor(min_ms, "gif"))


def _resample(durations: list[int], step_ms: int) -> tuple[list[int], list[int]]:
    """Show the animation on a time grid of at least ``step_ms`` per frame.

    The total running time is kept; each output frame shows the source frame
    visible at the middle of its slot. Returns the source index and the
    duration of each output frame.
    """
    total = sum(durations)
    count = max(1, total // step_ms)
    # Bounds on the format's clock (GIF: 10 ms), rounded half up so that no
    # slot comes out shorter than step_ms.
    unit = 10 if step_ms % 10 == 0 else 1
    bounds = [
        math.floor(k * total / count / unit + 0.5) * unit for k in range(count + 1)
    ]
    starts = []
    t = 0
    for ms in durations:
        starts.append(t)
        t += ms
    keep, out = [], []
    for k in range(count):
        middle = (bounds[k] + bounds[k + 1]) / 2
        index = max(i for i, start in enumerate(starts) if start <= middle)
        keep.append(index)
        out.append(bounds[k + 1] - bounds[k])
    return keep, out


def _flatten(rgba: Image.Image) -> Image.Image:
    """On white, for formats without alpha."""
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba)


def _attempts(fmt, frames, durations):
    """(label, encode) from the best-looking encoding to the smallest; each
    encode returns the bytes and the frame durations it used."""
    if fmt == "png":
        yield _("无损 PNG"), lambda: (_png(frames[0], None), durations)
        for colours in (256, 128, 64, 32, 16, 8):
            yield (
                _("%d 色调色板") % colours,
                lambda c=colours: (_png(frames[0], c), durations),
            )
    elif fmt == "gif":
        steps = [(1, c) for c in (256, 128, 64, 32, 16)]
        if len(frames) > 1:
            steps += [(2, 64), (2, 32), (2, 16), (3, 32), (3, 16), (4, 16)]
        for every, colours in steps:
            if every > 1 and len(frames) // every < 2:
                continue
            label = _("%d 色") % colours
            if every > 1:
                label = _("%(c)d 色、每 %(k)d 帧保留 1 帧") % {"c": colours, "k": every}
            yield label, lambda k=every, c=colours: _gif(frames, durations, c, k)
    elif fmt == "jpeg":
        for quality in (92, 85, 75, 65, 55, 45, 35):
            yield (
                _("JPEG 质量 %d") % quality,
                lambda q=quality: (_jpeg(frames[0], q), durations),
            )
    elif fmt == "webp":
        yield _("无损 WebP"), lambda: (_webp(frames, durations, None), durations)
        for quality in (90, 80, 70, 60, 50, 40):
            yield (
                _("WebP 质量 %d") % quality,
                lambda q=quality: (_webp(frames, durations, q), durations),
            )


def _png(rgba: Image.Image, colours: int | None) -> bytes:
    image = rgba if _has_transparency(rgba) else rgba.convert("RGB")
    if colours:
        method = (
            Image.Quantize.FASTOCTREE
            if image.mode == "RGBA"
            else Image.Quantize.MEDIANCUT
        )
        image = image.quantize(colors=colours, method=method)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _gif(frames, durations, colours: int, every: int):
    if every > 1:
        frames, durations = _drop_frames(frames, durations, every)
    images = [_gif_frame(frame, colours) for frame in frames]
    out = io.BytesIO()
    options = {"optimize": True}
    if len(images) > 1:
        options.update(
            save_all=True,
            append_images=images[1:],
            duration=durations,
            loop=0,
            # Clear each frame before the next, or transparent areas of a
            # frame would show the one before.
            disposal=2,
        )
    images[0].save(out, format="GIF", **options)
    return out.getvalue(), durations


def _gif_frame(rgba: Image.Image, colours: int) -> Image.Image:
    """A frame with at most ``colours`` colours and on/off transparency (all
    GIF has); Pillow's GIF writer then builds its palette exactly."""
    mask = rgba.getchannel("A").point(lambda a: 255 if a >= 128 else 0)
    clear = Image.new("RGBA", rgba.size, (0, 0, 0, 0))
    frame = Image.composite(rgba, clear, mask)
    frame.putalpha(mask)
    quantized = frame.quantize(
        colors=colours, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    return quantized.convert("RGBA")


def _drop_frames(frames, durations, every: int):
    kept, out = [], []
    for start in range(0, len(frames), every):
        kept.append(frames[start])
        out.append(sum(durations[start : start + every]))
    return kept, out


def _jpeg(rgba: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    _flatten(rgba).convert("RGB").save(
        out, format="JPEG", quality=quality, optimize=True
    )
    return out.getvalue()


def _webp(frames, durations, quality: int | None) -> bytes:
    options = {"lossless": True} if quality is None else {"quality": quality}
    if len(frames) > 1:
        options.update(
            save_all=True, append_images=frames[1:], duration=durations, loop=0
        )
    out = io.BytesIO()
    frames[0].save(out, format="WEBP", **options)
    return out.getvalue()
