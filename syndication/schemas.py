"""The partner API's data, as documented in its OpenAPI schema."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator

from cms.core.deliverables import deliverable_kinds

#: What the API calls each deliverable page type ("episode", …), as the page
#: types declare it, in ``INSTALLED_APPS`` order.
ItemKindName = Literal[tuple(kind.name for kind in deliverable_kinds())]


class ErrorOut(Schema):
    detail: str = Field(description="原因（中文）")


class FieldError(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: str
    errors: list[FieldError]


class CreditOut(Schema):
    name: str
    role: str = Field(description="角色代码，如 director、composer")
    role_label: str = Field(description="角色中文名")


class RightsOut(Schema):
    rights_holder: str
    producing_unit: str


class AvailabilityOut(Schema):
    from_: dt.datetime | None = Field(None, alias="from")
    until: dt.datetime | None = None


class ItemOut(Schema):
    id: int = Field(description="交付编号")
    version: int = Field(description="交付版本：重新交付（新的音视频）时加一")
    state: Literal["delivered", "received", "adopted"]
    updated_at: dt.datetime
    delivered_at: dt.datetime | None
    title: str
    description: str
    kind: ItemKindName
    media_type: Literal["video", "audio"] | None
    programme: str | None = Field(description="所属节目（节目单集）")
    series: str | None = Field(description="所属系列（短视频）")
    episode_number: int | None
    number_in_series: int | None
    credits: list[CreditOut]
    duration: float | None = Field(description="时长（秒）")
    language: str
    topics: list[str]
    rights: RightsOut
    availability: AvailabilityOut
    web_url: str | None = Field(description="公开网页地址")


class TombstoneOut(Schema):
    id: int
    deleted: Literal[True]
    state: Literal["withdrawn", "expired"]
    updated_at: dt.datetime


class ItemListOut(Schema):
    items: list[ItemOut | TombstoneOut]
    next_cursor: str | None = Field(description="下一页的游标；没有更多时为 null")


class RenditionOut(Schema):
    kind: Literal["mp4", "m4a", "mp3", "hls_master", "poster"]
    mime_type: str
    width: int | None
    height: int | None
    bitrate: int | None
    size: int
    duration: float | None
    url: str = Field(description="短时有效的签名下载地址")
    expires_at: dt.datetime


class SubtitleOut(Schema):
    language: str = Field(description="语言（BCP 47），如 zh-Hans")
    label: str
    kind: Literal["subtitles", "captions"] = Field(
        description="subtitles 字幕，captions 听障字幕"
    )
    format: Literal["text/vtt"]
    cues: int = Field(description="字幕条数")
    sha256: str
    size: int
    url: str = Field(description="WebVTT 文件地址")


class ItemDetailOut(ItemOut):
    renditions: list[RenditionOut] = Field(
        description="按交付规格的转码方案生成的交付文件在前（质检所查的文件）"
    )
    subtitles: list[SubtitleOut]


#: No NUL characters (PostgreSQL cannot store them in text).
PLAIN_TEXT = r"^[^\x00]*$"
#: An http(s) address without spaces or control characters (so no javascript:).
HTTP_URL = r"^https?://[^\x00-\x20\x7f]+$"


class ReceiptIn(Schema):
    status: Literal["received", "published", "rejected"] = Field(
        description="received 已接收，published 已上线（采用），rejected 未采用"
    )
    platform_item_id: str = Field(
        "", max_length=200, pattern=PLAIN_TEXT, description="平台内编号"
    )
    platform_url: str | None = Field(
        None,
        max_length=500,
        pattern=HTTP_URL,
        description="平台链接（http:// 或 https://）",
    )
    reason: str | None = Field(
        None, max_length=2000, pattern=PLAIN_TEXT, description="说明或未采用原因"
    )


class ReceiptOut(Schema):
    id: int
    state: str
    version: int
    updated_at: dt.datetime
    platform_item_id: str
    platform_url: str
    adopted_on: dt.date | None
    rejection_reason: str
    changed: bool = Field(description="这次回执是否改变了交付状态")


#: RFC 3339, section 5.6 (what OpenAPI's ``format: date-time`` means): a date,
#: ``T``, a time with seconds and an offset (``Z`` or ±hh:mm). Pydantic alone
#: would also take a number (read as epoch seconds) or a naive time.
RFC_3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$",
    re.ASCII,
)
RFC_3339_REASON = (
    "必须是 RFC 3339 日期时间（带时区），如 2024-05-01T08:00:00+08:00"
    "（在网址中 + 须写作 %2B）。"
)


def _rfc_3339(value):
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not RFC_3339.match(value):
        raise ValueError(RFC_3339_REASON)
    return value


#: A date-time in a query parameter: RFC 3339 and nothing looser.
RFC3339DateTime = Annotated[dt.datetime, BeforeValidator(_rfc_3339)]


def download_responses(media_types) -> dict:
    """The OpenAPI ``responses`` of a signed download endpoint: the file in
    one of ``media_types``, or a redirect to S3."""
    return {
        200: {
            "description": "文件（附件）",
            "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}}
                for media_type in media_types
            },
        },
        302: {"description": "转到短时有效的 S3 预签名地址"},
    }
