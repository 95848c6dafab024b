"""Pre-flight QC: a delivery's media and page checked against its profile.

``qc_check`` reads only what is stored — the original's probe facts and
measured loudness on the MediaAsset, the file the delivery profile's
transcode profile made of it (see ``deliverables``), the asset's subtitle
tracks and the page's fields — so it is fast enough to run in a request and
gives the same answer every time it is asked. Starting the job that makes a
missing delivery file is the workflow's business, not QC's.

Every finding says what is wrong and what to do about it, in plain Chinese,
for the producer who has to fix it.
"""

import math
import re
from dataclasses import asdict, dataclass
from fractions import Fraction

from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from cms.core.deliverables import deliverable_media, kind_for_page
from cms.core.form_labels import form_label, section_label
from media_pipeline.models import (
    AssetStatus,
    JobStatus,
    MediaAsset,
    MediaKind,
    Rendition,
    RenditionKind,
    SubtitleTrack,
    TranscodeJob,
    TranscodeProfile,
)

from .deliverables import delivery_job, delivery_subtitles, job_media
from .models import AspectRatio, Delivery, DeliveryProfile, RequiredMetadata

ERROR = "error"
WARNING = "warning"

#: What the pipeline's MP4 download is: ladder.py always encodes it with
#: libx264 and AAC in an MP4 with its index first.
PIPELINE_MP4 = {"container": "mp4", "video_codec": "h264", "audio_codec": "aac"}
PIPELINE_AUDIO = {"container": "mp4", "audio_codec": "aac"}

# Names people write in a profile for the same thing.
CODEC_ALIASES = {
    "avc": "h264",
    "avc1": "h264",
    "h.264": "h264",
    "x264": "h264",
    "mp4a": "aac",
    "aac-lc": "aac",
    "hevc": "h265",
    "h.265": "h265",
    "hvc1": "h265",
    "mpeg4": "mp4",
    "m4v": "mp4",
}

#: Relative tolerance when matching a picture's ratio to an accepted aspect.
ASPECT_TOLERANCE = 0.02
#: Durations are measured to the frame; half a second either way is the same cut.
DURATION_TOLERANCE = 0.5
# Below this the loudnorm measurement is silence (see media_pipeline.loudness).
SILENCE_LUFS = -70.0
#: Subtitles running this much past the end of the media belong to another cut.
SUBTITLE_OVERRUN_SECONDS = 1.0

#: The delivery file has not been made (yet).
DELIVERY_FILE_MISSING = "delivery_file_missing"
#: Findings about the original itself: a delivery file made from it would
#: fail too, so no job is started for it until a better original is uploaded.
ORIGINAL_UNFIT = frozenset(
    {"not_video", "resolution", "aspect", "too_short", "too_long", "no_audio", "silent"}
)


@dataclass(frozen=True)
class QcFinding:
    """One thing QC found: ``code`` for machines, ``message`` for people.

    Errors keep a delivery from being ready; warnings are shown and let it pass.
    """

    code: str
    message: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict:
        return asdict(self)


def qc_passed(findings: list[QcFinding]) -> bool:
    return not any(f.is_error for f in findings)


def qc_report(findings: list[QcFinding]) -> list[dict]:
    """The findings as stored on ``Delivery.qc_report``, errors first."""
    ordered = sorted(findings, key=lambda f: 0 if f.is_error else 1)
    return [f.as_dict() for f in ordered]


# --- Formatting --------------------------------------------------------------


def format_duration(seconds: float) -> str:
    """90 → "1 分 30 秒", 120 → "2 分钟", 45 → "45 秒", 3720 → "1 小时 2 分钟"."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(_("%(n)s 小时") % {"n": hours})
    if minutes:
        if secs:
            parts.append(_("%(n)s 分") % {"n": minutes})
        else:
            parts.append(_("%(n)s 分钟") % {"n": minutes})
    if secs or not parts:
        parts.append(_("%(n)s 秒") % {"n": secs})
    return " ".join(parts)


def format_duration_range(low: int | None, high: int | None) -> str:
    """120, 300 → "2–5 分钟"; otherwise both ends spelt out."""
    if low and high:
        if low % 60 == 0 and high % 60 == 0 and high < 3600:
            return _("%(low)s–%(high)s 分钟") % {"low": low // 60, "high": high // 60}
        return f"{format_duration(low)}至{format_duration(high)}"
    if low:
        return _("不短于 %(d)s") % {"d": format_duration(low)}
    if high:
        return _("不超过 %(d)s") % {"d": format_duration(high)}
    return ""


def format_lufs(value: float) -> str:
    # A real minus sign, as the standards print it.
    return f"{value:.1f}".replace("-", "−")


def parse_aspect(value: str) -> Fraction | None:
    match = re.fullmatch(r"\s*(\d+)\s*[:/x×]\s*(\d+)\s*", str(value))
    if not match or not int(match.group(2)):
        return None
    return Fraction(int(match.group(1)), int(match.group(2)))


def aspect_label(value: str) -> str:
    return str(AspectRatio(value).label) if value in AspectRatio.values else value


def describe_aspect(width: int, height: int) -> str:
    """The picture's ratio as people say it: a known one if close, else w:h."""
    ratio = width / height
    for value in AspectRatio.values:
        known = parse_aspect(value)
        if abs(ratio - float(known)) / float(known) <= ASPECT_TOLERANCE:
            return value
    divisor = math.gcd(width, height)
    return f"{width // divisor}:{height // divisor}"


def normalise_codec(value: str) -> str:
    value = (value or "").strip().lower()
    return CODEC_ALIASES.get(value, value)


# --- What the page says ------------------------------------------------------


def page_credits(page) -> list[tuple[str, str]]:
    """(role, name) of everyone credited on a deliverable page, in order,
    wherever its page type keeps them (see ``cms.core.deliverables``)."""
    kind = kind_for_page(page)
    if kind is None:
        return []
    return [
        (credit.get_role_display(), credit.person.name)
        for credit in kind.credits_of(page)
    ]


def page_topics(page) -> list[str]:
    """The names of the page's topics, if its page type has topics."""
    kind = kind_for_page(page)
    return kind.topics_of(page) if kind is not None else []


def page_summary(page) -> str:
    """The page's plain-text summary: 内容提要, or the work's 简介; else its
    search description."""
    kind = kind_for_page(page)
    if kind is not None:
        text = strip_tags(getattr(page, kind.summary_field) or "").strip()
        if text:
            return text
    return (page.search_description or "").strip()


def page_group(page):
    """The programme, series or music library the page belongs to."""
    parent = page.get_parent()
    return parent.specific if parent else None


def page_number(page) -> int | None:
    """The page's number in its programme or series, if it has one."""
    kind = kind_for_page(page)
    return kind.number_of(page) if kind is not None else None


# --- The checks --------------------------------------------------------------


def qc_check(delivery: Delivery) -> list[QcFinding]:
    """Everything that keeps this delivery from meeting its profile.

    Checks the media the page carries now (which becomes the delivery's asset
    when it is made ready), its published MP4 rendition and the page's
    metadata. An empty list, or warnings only, means it may be delivered.
    """
    profile = delivery.profile
    page = delivery.page.specific
    asset = deliverable_media(page)
    findings: list[QcFinding] = []
    if not profile.spec_verified:
        findings.append(
            QcFinding(
                "profile_unverified",
                _(
                    "交付规格“%(profile)s”尚未与平台核实：结果仅供参考，"
                    "请向平台确认接收要求后在交付规格中标记为已核实。"
                )
                % {"profile": profile},
                WARNING,
            )
        )
    if not page.live:
        findings.append(
            QcFinding("page_not_live", _("页面尚未发布：请先发布页面，再交付。"))
        )
    elif page.has_unpublished_changes:
        findings.append(
            QcFinding(
                "page_unpublished_changes",
                _(
                    "页面有未发布的修改：交付的是已发布的版本；如需交付新内容，请先发布。"
                ),
                WARNING,
            )
        )
    findings += check_media(asset, profile, page=page)
    findings += check_metadata(page, profile, asset=asset)
    return findings


def delivery_file_wanted(findings: list[QcFinding]) -> bool:
    """Whether QC is waiting for a delivery file that nobody has asked the
    pipeline for, and the original is fit to make one."""
    codes = {f.code for f in findings if f.is_error}
    return DELIVERY_FILE_MISSING in codes and not codes & ORIGINAL_UNFIT


def check_media(
    asset: MediaAsset | None, profile: DeliveryProfile, *, page=None
) -> list[QcFinding]:
    """The delivery file the profile's transcode profile made, or, until it
    exists, what the original already tells about it."""
    if asset is None:
        kind = kind_for_page(page) if page is not None else None
        where = _("页面") if kind is None else _where(page, kind.media_field)
        return [
            QcFinding(
                "no_media",
                _("页面没有关联音视频：请在%(where)s中选择要交付的媒体。")
                % {"where": where},
            )
        ]
    if asset.status != AssetStatus.READY or asset.published_job_id is None:
        if asset.status == AssetStatus.FAILED:
            message = _("媒体“%(title)s”转码失败（%(reason)s）：请在媒体库处理后重试。")
        else:
            message = _(
                "媒体“%(title)s”尚未转码完成（%(reason)s）：请等转码完成后再运行质检。"
            )
        return [
            QcFinding(
                "media_not_ready",
                message
                % {
                    "title": asset.title,
                    "reason": asset.failure_reason or asset.get_status_display(),
                },
            )
        ]
    wants_video = bool(profile.video_codec)
    if wants_video and asset.kind != MediaKind.VIDEO:
        return [
            QcFinding(
                "not_video",
                _(
                    "媒体“%(title)s”是音频，平台要求视频：请上传演出录像或配有画面的版本。"
                )
                % {"title": asset.title},
            )
        ]
    transcode = profile.transcode_profile
    job = delivery_job(asset, transcode)
    rendition = job_media(job)
    findings = []
    if rendition is None:
        findings.append(check_delivery_file(asset, transcode, job))
    elif wants_video and rendition.kind != RenditionKind.MP4:
        findings.append(
            QcFinding(
                "no_mp4",
                _(
                    "转码方案“%(transcode)s”没有生成可交付的 MP4 文件：请在媒体库"
                    "重新运行该转码任务。"
                )
                % {"transcode": transcode.name},
            )
        )
        rendition = None
    if wants_video:
        findings += check_format(profile, PIPELINE_MP4)
        findings += check_picture(asset, rendition, profile, transcode)
    else:
        findings += check_format(profile, PIPELINE_AUDIO)
    findings += check_duration(asset, rendition, profile)
    findings += check_loudness(asset, profile)
    return findings


def check_delivery_file(
    asset: MediaAsset, transcode: TranscodeProfile, job: TranscodeJob | None
) -> QcFinding:
    """Why there is no delivery file yet, and what happens next."""
    values = {"transcode": transcode.name, "title": asset.title}
    if job is None:
        return QcFinding(
            DELIVERY_FILE_MISSING,
            _(
                "还没有按转码方案“%(transcode)s”生成交付文件：原片符合要求时，"
                "运行质检会自动开始转码，完成后系统会自动重新质检。"
            )
            % values,
        )
    if job.is_active:
        values.update(status=job.get_status_display(), progress=f"{job.progress:.0f}")
        return QcFinding(
            "delivery_file_pending",
            _(
                "正在按转码方案“%(transcode)s”生成交付文件（%(status)s，"
                "%(progress)s%%）：完成后系统会自动重新质检。"
            )
            % values,
        )
    if job.status == JobStatus.CANCELLED:
        return QcFinding(
            "delivery_file_failed",
            _(
                "按转码方案“%(transcode)s”生成交付文件的任务已取消：请在媒体库"
                "“%(title)s”页面重新运行该任务，完成后再运行质检。"
            )
            % values,
        )
    if job.status == JobStatus.FAILED:
        values["reason"] = job.failure_reason or job.get_status_display()
        return QcFinding(
            "delivery_file_failed",
            _(
                "按转码方案“%(transcode)s”生成交付文件失败（%(reason)s）：请在媒体库"
                "“%(title)s”页面处理后重新运行该任务，完成后再运行质检。"
            )
            % values,
        )
    return QcFinding(
        "delivery_file_failed",
        _(
            "转码方案“%(transcode)s”的任务没有生成可交付的文件：请在媒体库"
            "“%(title)s”页面重新运行该任务，完成后再运行质检。"
        )
        % values,
    )


def check_format(profile: DeliveryProfile, made: dict[str, str]) -> list[QcFinding]:
    findings = []
    labels = {
        "container": _("封装格式"),
        "video_codec": _("视频编码"),
        "audio_codec": _("音频编码"),
    }
    for field, made_value in made.items():
        wanted = normalise_codec(getattr(profile, field))
        if wanted and wanted != made_value:
            findings.append(
                QcFinding(
                    field,
                    _(
                        "平台要求%(what)s为 %(wanted)s，媒体库交付的是 "
                        "%(made)s：请与平台确认是否接受 %(made)s，"
                        "如接受请在交付规格中改为 %(made)s。"
                    )
                    % {
                        "what": labels[field],
                        "wanted": getattr(profile, field),
                        "made": made_value.upper()
                        if field == "container"
                        else {"h264": "H.264", "aac": "AAC"}[made_value],
                    },
                )
            )
    return findings


def check_picture(
    asset: MediaAsset,
    rendition: Rendition | None,
    profile: DeliveryProfile,
    transcode: TranscodeProfile,
) -> list[QcFinding]:
    """The delivery file's picture; the original's until the file exists."""
    findings = []
    width = (rendition and rendition.width) or asset.width
    height = (rendition and rendition.height) or asset.height
    if not width or not height:
        return [
            QcFinding(
                "picture_unknown",
                _("无法得知交付文件的画面尺寸：请在媒体库重新转码。"),
            )
        ]
    short_side = min(width, height)
    if profile.min_height and short_side < profile.min_height:
        original_short = min(asset.width or 0, asset.height or 0)
        values = {
            "p": short_side,
            "size": f"{width}×{height}",
            "wanted": profile.min_height,
            "transcode": transcode.name,
        }
        if original_short >= profile.min_height:
            message = _(
                "交付用 MP4 为 %(p)sp（%(size)s），低于平台要求的 %(wanted)sp：原片"
                "足够清晰，请把转码方案“%(transcode)s”的“下载版 MP4 高度”设为不低于 "
                "%(wanted)s 后重新转码。"
            )
        else:
            values["size"] = f"{asset.width}×{asset.height}"
            values["p"] = original_short
            message = _(
                "原片只有 %(p)sp（%(size)s），低于平台要求的 %(wanted)sp：请提供不低于 "
                "%(wanted)sp 的原片重新上传。"
            )
        findings.append(QcFinding("resolution", message % values))
    accepted = [a for a in profile.accepted_aspects or [] if parse_aspect(a)]
    if accepted:
        ratio = width / height
        fits = any(
            abs(ratio - float(parse_aspect(a))) / float(parse_aspect(a))
            <= ASPECT_TOLERANCE
            for a in accepted
        )
        if not fits:
            labels = "或".join(aspect_label(a) for a in accepted)
            findings.append(
                QcFinding(
                    "aspect",
                    _(
                        "画面比例为 %(actual)s（%(size)s），平台只接受 %(accepted)s："
                        "请提供%(labels)s 的版本。"
                    )
                    % {
                        "actual": describe_aspect(width, height),
                        "size": f"{width}×{height}",
                        "accepted": "、".join(accepted),
                        "labels": labels,
                    },
                )
            )
    return findings


def check_duration(
    asset: MediaAsset, rendition: Rendition | None, profile: DeliveryProfile
) -> list[QcFinding]:
    duration = (rendition and rendition.duration) or asset.duration
    low, high = profile.min_duration, profile.max_duration
    if not low and not high:
        return []
    if not duration:
        return [
            QcFinding(
                "duration_unknown",
                _("无法得知交付文件的时长：请在媒体库重新转码。"),
            )
        ]
    wanted = format_duration_range(low, high)
    if low and duration < low - DURATION_TOLERANCE:
        return [
            QcFinding(
                "too_short",
                _(
                    "时长 %(actual)s，短于平台要求的 %(limit)s："
                    "请剪辑成 %(wanted)s的版本。"
                )
                % {
                    "actual": format_duration(duration),
                    "limit": format_duration(low),
                    "wanted": wanted,
                },
            )
        ]
    if high and duration > high + DURATION_TOLERANCE:
        return [
            QcFinding(
                "too_long",
                _(
                    "时长 %(actual)s，超过平台要求的 %(limit)s："
                    "请剪辑成 %(wanted)s的版本。"
                )
                % {
                    "actual": format_duration(duration),
                    "limit": format_duration(high),
                    "wanted": wanted,
                },
            )
        ]
    return []


def check_loudness(asset: MediaAsset, profile: DeliveryProfile) -> list[QcFinding]:
    """The delivery file is the original normalised to the target of the
    delivery profile's own transcode profile, so its loudness is what the
    platform asked for, unless there is nothing to normalise."""
    if not asset.audio_codec:
        return [
            QcFinding(
                "no_audio",
                _("媒体没有音轨：平台要求有声版本，请提供带解说或配乐的版本。"),
            )
        ]
    if asset.loudness_integrated is None or asset.loudness_integrated < SILENCE_LUFS:
        return [
            QcFinding(
                "silent",
                _(
                    "音轨几乎无声，转码时无法把响度归一化到 %(target)s LKFS：请检查原片"
                    "的声音后重新上传。"
                )
                % {"target": format_lufs(profile.transcode_profile.loudness_target)},
            )
        ]
    return []


def _where(page, name: str) -> str:
    """Where the edit form shows the field or inline panel ``name``, in the
    form's own words: 页面的“嘉宾与专家”, 页面“出品与版权”一栏的“版权方”."""
    model = type(page)
    label = form_label(model, name)
    section = section_label(model, name)
    if section and section != label:
        return _("页面“%(section)s”一栏的“%(label)s”") % {
            "section": section,
            "label": label,
        }
    return _("页面的“%(label)s”") % {"label": label}


def _missing_field_message(page, label: str) -> str:
    return _(
        "缺少%(what)s：“%(type)s”页面还没有%(what)s这一项，请联系管理员补充，"
        "或与平台确认后在交付规格中去掉这项要求。"
    ) % {"what": label, "type": page._meta.verbose_name}


def check_metadata(
    page, profile: DeliveryProfile, *, asset: MediaAsset | None = None
) -> list[QcFinding]:
    required = set(profile.required_metadata or [])
    kind = kind_for_page(page)
    findings = []
    if RequiredMetadata.CREDITS in required and not page_credits(page):
        findings.append(
            QcFinding(
                "missing_credits",
                _(
                    "缺少主创署名：平台要求片尾署名创作者，请在%(where)s中"
                    "添加导演、主讲等创作者。"
                )
                % {"where": _where(page, kind.credits_relation)},
            )
        )
    for field, label in (
        (RequiredMetadata.PRODUCING_UNIT, _("出品单位")),
        (RequiredMetadata.RIGHTS_HOLDER, _("版权方")),
    ):
        if field not in required:
            continue
        if not hasattr(page, field):
            findings.append(
                QcFinding(f"missing_{field}", _missing_field_message(page, label))
            )
        elif not (getattr(page, field) or "").strip():
            findings.append(
                QcFinding(
                    f"missing_{field}",
                    _("缺少%(what)s：请在%(where)s中填写。")
                    % {
                        "what": form_label(type(page), field),
                        "where": _where(page, field),
                    },
                )
            )
    if asset is not None:
        findings += check_subtitles(
            asset, required=RequiredMetadata.SUBTITLES in required
        )
    cover = getattr(page, "cover", None)
    if RequiredMetadata.COVER in required and cover is None:
        findings.append(
            QcFinding(
                "missing_cover",
                _("缺少封面图：请在%(where)s中选择封面图。")
                % {"where": _where(page, "cover")},
            )
        )
    if cover is not None:
        for size in profile.cover_sizes or []:
            wanted = parse_size(size)
            if wanted and (cover.width < wanted[0] or cover.height < wanted[1]):
                findings.append(
                    QcFinding(
                        "cover_small",
                        _(
                            "封面图只有 %(size)s，小于平台要求的 %(wanted)s，放大后会"
                            "发虚：建议换一张不小于 %(wanted)s 的封面图。"
                        )
                        % {
                            "size": f"{cover.width}×{cover.height}",
                            "wanted": f"{wanted[0]}×{wanted[1]}",
                        },
                        WARNING,
                    )
                )
    if RequiredMetadata.SUMMARY in required and not page_summary(page):
        findings.append(
            QcFinding(
                "missing_summary",
                _("缺少内容简介：请在%(where)s中填写。")
                % {"where": _where(page, kind.summary_field)},
            )
        )
    return findings


def _languages(tracks: list[SubtitleTrack]) -> str:
    return "、".join(dict.fromkeys(track.get_language_display() for track in tracks))


def check_subtitles(asset: MediaAsset, *, required: bool) -> list[QcFinding]:
    """Chinese subtitles when the platform asks for them (the national norms
    ask for Mandarin with Chinese subtitles), and tracks that fit the media."""
    tracks = delivery_subtitles(asset)
    findings = []
    if required and not any(track.is_chinese for track in tracks):
        values = {"title": asset.title, "languages": _languages(tracks)}
        if tracks:
            message = _(
                "缺少中文字幕：媒体“%(title)s”只有%(languages)s字幕，平台要求中文"
                "字幕：请在媒体库该媒体的页面上传简体中文字幕（WebVTT 或 SRT）。"
            )
        else:
            message = _(
                "缺少中文字幕：平台要求提供字幕，请在媒体库“%(title)s”页面上传"
                "简体中文字幕（WebVTT 或 SRT）。"
            )
        findings.append(QcFinding("missing_subtitles", message % values))
    if asset.duration:
        for track in tracks:
            if track.end_seconds > asset.duration + SUBTITLE_OVERRUN_SECONDS:
                findings.append(
                    QcFinding(
                        "subtitles_overrun",
                        _(
                            "“%(label)s”字幕的最后一条结束于 %(end)s，晚于媒体的时长 "
                            "%(duration)s：可能是另一剪辑版本的字幕，请核对后重新上传。"
                        )
                        % {
                            "label": track.label,
                            "end": format_duration(track.end_seconds),
                            "duration": format_duration(asset.duration),
                        },
                        WARNING,
                    )
                )
    return findings


def parse_size(value: str) -> tuple[int, int] | None:
    """ "1920x1080" → (1920, 1080); anything else → None."""
    match = re.fullmatch(r"\s*(\d+)\s*[x×*]\s*(\d+)\s*", str(value))
    if not match:
        return None
    width, height = int(match.group(1)), int(match.group(2))
    return (width, height) if width and height else None
