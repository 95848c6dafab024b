"""The partner API: items, receipts, feeds and downloads.

Mounted at /api/partner/v1/; the OpenAPI schema is at
/api/partner/v1/openapi.json. Every endpoint but the download links takes
``Authorization: Bearer <key>`` (see ``auth.py``). Errors are JSON
``{"detail": "…"}`` in Chinese.
"""

from __future__ import annotations

import datetime as dt
import json
import time

from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .. import feeds
from ..downloads import download_max_age, serve_download
from ..etags import etag_for, etag_of, matches, not_modified
from ..fetch_records import record_fetch
from ..items import (
    delivery_rows,
    is_visible,
    item_json,
    items_metadata,
    listed_items_json,
    tombstone,
)
from ..keys import bearer_partner
from ..listing import Cursor, InvalidCursor, page_rows
from ..models import Delivery, DeliveryState, Via
from ..offers import (
    load_offered_renditions,
    load_subtitle_tracks,
    rendition_out,
    subtitle_out,
)
from ..page_cache import CachedPage, cache_page, cached_page, data_version
from ..schemas import (
    RFC_3339_REASON,
    ErrorOut,
    ItemDetailOut,
    ItemListOut,
    ReceiptIn,
    ReceiptOut,
    RFC3339DateTime,
    ValidationErrorOut,
    download_responses,
)
from ..services import IllegalTransition, delivery_transition
from ..stored_items import stored_items_usable
from .auth import PartnerInactive, PartnerKeyAuth, RateLimited

MAX_ID = 2**63 - 1
DEFAULT_LIMIT = 50
MAX_LIMIT = 200

api = NinjaAPI(
    title="百嘎丽合作方接口",
    version="1.0.0",
    description=(
        "交付给合作平台的节目、短视频与音乐作品：条目列表（游标分页、增量同步与删除"
        "标记）、条目详情与短时有效的签名下载地址、回执（已接收、已上线、未采用）、"
        "Media RSS 与 JSON Feed 订阅源。请求须带 `Authorization: Bearer <密钥>`。"
        "列表与详情支持 ETag / If-None-Match；每个密钥限速，见 X-RateLimit-* 响应头。"
    ),
    urls_namespace="partner_api",
    docs_url=None,
    auth=PartnerKeyAuth(),
)

COMMON_ERRORS = {401: ErrorOut, 403: ErrorOut, 429: ErrorOut}


JSON_TYPE = "application/json; charset=utf-8"


def _dumps(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _json(data, *, status: int = 200) -> HttpResponse:
    return HttpResponse(_dumps(data), status=status, content_type=JSON_TYPE)


# --- errors ------------------------------------------------------------------


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    if request.headers.get("Authorization"):
        detail = _("接口密钥无效或已被吊销。")
    else:
        detail = _("缺少接口密钥：请在请求头中加入 Authorization: Bearer <密钥>。")
    response = _json({"detail": detail}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="partner-api"'
    return response


@api.exception_handler(PartnerInactive)
def partner_inactive(request, exc):
    return _json({"detail": _("该合作方已停用，请联系百嘎丽。")}, status=403)


@api.exception_handler(RateLimited)
def rate_limited(request, exc):
    response = _json(
        {"detail": _("请求过于频繁，请在 %(s)s 秒后重试。") % {"s": exc.retry_after}},
        status=429,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Http404)
def not_found(request, exc):
    return _json({"detail": _("未找到该条目。")}, status=404)


@api.exception_handler(HttpError)
def http_error(request, exc):
    detail = str(exc)
    if detail.startswith("Cannot parse request body"):
        detail = _("请求体不是有效的 JSON。")
    return _json({"detail": detail}, status=exc.status_code)


ERROR_MESSAGES = {
    "missing": "必填。",
    "string_type": "必须是字符串。",
    "string_too_long": "不能超过 {max_length} 个字符。",
    "int_parsing": "必须是整数。",
    "int_type": "必须是整数。",
    "greater_than_equal": "不能小于 {ge}。",
    "less_than_equal": "不能大于 {le}。",
    "literal_error": "取值只能是 {expected}。",
    "datetime_parsing": RFC_3339_REASON,
    "datetime_from_date_parsing": RFC_3339_REASON,
    "datetime_type": RFC_3339_REASON,
    "json_invalid": "不是有效的 JSON。",
    "model_attributes_type": "必须是 JSON 对象。",
    "dict_type": "必须是 JSON 对象。",
}


def chinese_message(error: dict) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        if error.get("loc") and error["loc"][-1] == "platform_url":
            return "不是有效的网址（须以 http:// 或 https:// 开头，不含空白）。"
        return "不能包含空字符。"
    if kind == "value_error" and context.get("error"):
        return str(context["error"])
    template = ERROR_MESSAGES.get(kind)
    if template is None:
        return _("取值无效。")
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template


@api.exception_handler(ValidationError)
def invalid(request, exc):
    errors = [
        {
            "loc": [part for part in error.get("loc", ()) if part is not None],
            "msg": chinese_message(error),
            "type": error.get("type", ""),
        }
        for error in exc.errors
    ]
    return _json({"detail": _("请求参数有误。"), "errors": errors}, status=422)


# --- items -------------------------------------------------------------------


def _utc(value: dt.datetime) -> dt.datetime:
    """``value`` (aware, as RFC 3339 requires) in UTC. A valid time that UTC
    cannot hold (year 1 at +23:59) is the start or the end of time."""
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        edge = dt.datetime.min if value.year == dt.MINYEAR else dt.datetime.max
        return edge.replace(tzinfo=dt.UTC)


def _row_version(row: dict, now) -> tuple:
    return (
        row["id"],
        row["version"],
        row["state"],
        row["updated_at"],
        row["page__last_published_at"],
        row["available_from"],
        row["available_until"],
        is_visible(row, now),
    )


@api.get(
    "/items",
    response={
        200: ItemListOut,
        304: None,
        400: ErrorOut,
        422: ValidationErrorOut,
        **COMMON_ERRORS,
    },
    by_alias=True,
    url_name="items",
    summary="条目列表与增量同步",
    openapi_extra={
        "responses": {
            400: {
                "description": "游标无效：不是本接口给出的、被改动过或属于其他合作方"
            },
            422: {
                "description": "参数有误：limit 超出范围、updated_since 不是 RFC 3339 "
                "日期时间等"
            },
        }
    },
    description=(
        "只列出已交付给本平台且在可用期内的条目，按 (updated_at, id) 排序，"
        "游标分页（next_cursor 为 null 时已到末页；cursor 须原样传回上一页的 "
        "next_cursor，改动、伪造或属于其他合作方的游标返回 400；带 cursor 时沿用"
        "其中的 updated_since）。带 updated_since（RFC 3339 日期时间，须带时区，"
        "如 2024-05-01T08:00:00+08:00，含该时刻；数字或不带时区的时间返回 422）"
        "时为增量同步：返回此后有变化的条目（包括可用期刚开始的），以及须"
        "下线条目的删除标记 "
        '`{"id", "deleted": true, "state", "updated_at"}`：state 为 expired'
        "（已过期或可用期已结束）或 withdrawn（已撤回、未采用或正在重新交付）。"
        "下一次同步可用本次开始的时间。"
    ),
)
def list_items(
    request,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = Query(
        None, max_length=1000, description="上一页响应中的 next_cursor，原样传回"
    ),
    updated_since: RFC3339DateTime | None = Query(  # noqa: B008
        None, description="RFC 3339 日期时间，须带时区，如 2024-05-01T08:00:00+08:00"
    ),
):
    partner = request.partner
    position = None
    if cursor:
        try:
            position = Cursor.decode(cursor, partner_id=partner.pk)
        except InvalidCursor:
            return _json({"detail": _("游标无效或不属于此合作方。")}, status=400)
    since = _utc(updated_since) if updated_since and not position else None
    query = "|".join((str(limit), cursor or "", since.isoformat() if since else ""))
    # Read before the page is made (with the key): a change meanwhile leaves
    # the page with the older version, so it is made again on the next
    # request.
    version = getattr(request, "platform_data_version", None) or data_version(
        partner.platform_id
    )
    page = cached_page(
        partner_id=partner.pk,
        platform_id=partner.platform_id,
        query=query,
        version=version,
    )
    if page is None:
        page = _make_page(
            request,
            partner,
            query=query,
            version=version,
            since=since,
            position=position,
            limit=limit,
        )
    record_fetch(request, partner_id=partner.pk, kind="list")
    if matches(request, page.etag):
        return not_modified(page.etag)
    response = HttpResponse(page.body, content_type=JSON_TYPE)
    response["ETag"] = page.etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _make_page(
    request, partner, *, query: str, version: str, since, position, limit: int
) -> CachedPage:
    """One page of the listing, made from the database, and kept."""
    now = timezone.now()
    rows, next_position = page_rows(
        partner.platform,
        partner_id=partner.pk,
        since=since,
        cursor=position,
        limit=limit,
        now=now,
        stored=stored_items_usable(),
    )
    next_cursor = next_position.encode() if next_position else None
    visible = [row for row in rows if is_visible(row, now)]
    # Each item stored, or serialised once and kept (``listed_items_json``):
    # a page made again (new data elsewhere on the platform, a new page
    # size) joins them.
    fragments = listed_items_json(visible, request)
    items = []
    for row in rows:
        if not is_visible(row, now):
            items.append(item_json(tombstone(row)))
        elif row["id"] in fragments:
            items.append(fragments[row["id"]])
    body = b"".join(
        (
            b'{"items":[',
            b",".join(items),
            b'],"next_cursor":',
            _dumps(next_cursor),
            b"}",
        )
    )
    return cache_page(
        partner_id=partner.pk,
        platform_id=partner.platform_id,
        query=query,
        version=version,
        # From the bytes: the same page made again has the same tag.
        etag=etag_of(body),
        body=body,
        now=now,
    )


def _download_bucket() -> int:
    return int(time.time() // max(download_max_age() // 2, 1))


@api.get(
    "/items/{item_id}",
    response={
        200: ItemDetailOut,
        304: None,
        404: ErrorOut,
        422: ValidationErrorOut,
        **COMMON_ERRORS,
    },
    by_alias=True,
    url_name="item",
    summary="条目详情与下载地址",
    description=(
        "条目元数据与渲染文件（MP4、HLS、海报；音频为 M4A、MP3），每个带短时有效的"
        "签名下载地址（expires_at 之后失效；条目撤回或过期后立即失效）。"
        "其他平台的条目一律 404。"
    ),
)
def get_item(request, item_id: int = Path(..., ge=1, le=MAX_ID)):
    partner = request.partner
    now = timezone.now()
    rows = delivery_rows(
        Delivery.objects.visible_to(partner.platform, at=now).filter(pk=item_id)
    )
    if not rows:
        raise Http404
    row = rows[0]
    record_fetch(
        request,
        partner_id=partner.pk,
        kind="item",
        delivery_id=row["id"],
        version=row["version"],
    )
    offered = load_offered_renditions(rows).get(row["id"], [])
    tracks = load_subtitle_tracks(rows).get(row["asset_id"], [])
    # The files offered can change without the delivery (a subtitle track
    # added, the delivery file made again), so they are part of the tag. The
    # links in the body expire: the tag also changes every half lifetime, so
    # a copy revalidated with 304 never holds links older than that.
    etag = etag_for(
        "item",
        partner.pk,
        _row_version(row, now),
        [rendition.pk for rendition in offered],
        [(track.pk, track.sha256, track.label) for track in tracks],
        _download_bucket(),
    )
    if matches(request, etag):
        return not_modified(etag)
    data = items_metadata(rows, request).get(row["id"])
    if data is None:
        raise Http404
    data = dict(data)  # the cached copy stays without links
    data["renditions"] = [
        rendition_out(request, row=row, partner_id=partner.pk, rendition=rendition)
        for rendition in offered
    ]
    data["subtitles"] = [subtitle_out(request, track) for track in tracks]
    response = _json(data)
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


# --- receipts ----------------------------------------------------------------

RECEIPT_STATES = {
    "received": DeliveryState.RECEIVED,
    "published": DeliveryState.ADOPTED,
    "rejected": DeliveryState.REJECTED,
}


def _receipt_out(delivery: Delivery, *, changed: bool) -> dict:
    return {
        "id": delivery.pk,
        "state": delivery.state,
        "version": delivery.version,
        "updated_at": delivery.updated_at.isoformat(),
        "platform_item_id": delivery.platform_item_id,
        "platform_url": delivery.platform_url,
        "adopted_on": delivery.adopted_on.isoformat() if delivery.adopted_on else None,
        "rejection_reason": delivery.rejection_reason,
        "changed": changed,
    }


@api.post(
    "/items/{item_id}/receipts",
    response={
        200: ReceiptOut,
        400: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut,
        **COMMON_ERRORS,
    },
    url_name="receipts",
    summary="回执：已接收、已上线（采用）、未采用",
    description=(
        "received → 平台已接收；published → 已采用（记录平台内编号、链接与采用日期）；"
        "rejected → 未采用（reason 为原因）。状态机不允许的变更返回 409 与原因；"
        "与当前状态相同的重复回执返回 200，changed 为 false。"
    ),
)
def post_receipt(
    request, receipt: ReceiptIn, item_id: int = Path(..., ge=1, le=MAX_ID)
):
    partner = request.partner
    delivery = Delivery.objects.filter(
        pk=item_id, platform=partner.platform, delivered_at__isnull=False
    ).first()
    if delivery is None:
        raise Http404
    to_state = RECEIPT_STATES[receipt.status]
    fields = {}
    if receipt.platform_item_id:
        fields["platform_item_id"] = receipt.platform_item_id
    if receipt.platform_url:
        fields["platform_url"] = receipt.platform_url
    if to_state == DeliveryState.REJECTED:
        fields["rejection_reason"] = receipt.reason or ""
    if delivery.state == to_state and all(
        getattr(delivery, name) == value for name, value in fields.items()
    ):
        # The same receipt again (a retry): nothing to change.
        return _json(_receipt_out(delivery, changed=False))
    try:
        with transaction.atomic():
            moved = delivery_transition(
                delivery=delivery,
                to_state=to_state,
                via=Via.PARTNER_API,
                partner=partner,
                reason=receipt.reason or "",
                payload=receipt.model_dump(),
                **fields,
            )
    except IllegalTransition as refused:
        return _json({"detail": refused.reason}, status=409)
    return _json(_receipt_out(moved, changed=True))


# --- feeds -------------------------------------------------------------------


def _feed_doc(content_type: str, description: str, schema: dict) -> dict:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {content_type: {"schema": schema}},
            }
        }
    }


#: The outline of a JSON Feed 1.1 document (https://jsonfeed.org/version/1.1).
JSON_FEED_SCHEMA = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"type": "string", "const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"},
        "home_page_url": {"type": "string"},
        "feed_url": {"type": "string"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "string"},
                    "attachments": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["url", "mime_type"],
                            "properties": {
                                "url": {"type": "string"},
                                "mime_type": {"type": "string"},
                                "size_in_bytes": {"type": "integer"},
                                "duration_in_seconds": {"type": "number"},
                            },
                        },
                    },
                },
            },
        },
    },
}


@api.get(
    "/feeds/mrss",
    response={200: None, 304: None, **COMMON_ERRORS},
    url_name="feed_mrss",
    summary="Media RSS 订阅源",
    openapi_extra=_feed_doc(
        "application/rss+xml",
        "RSS 2.0 + Media RSS；撤回或过期的条目带 media:status。",
        {"type": "string"},
    ),
)
def feed_mrss(request):
    return feeds.feed_response(request, request.partner, kind="mrss")


@api.get(
    "/feeds/json",
    response={200: None, 304: None, **COMMON_ERRORS},
    url_name="feed_json",
    summary="JSON Feed 1.1 订阅源",
    openapi_extra=_feed_doc(
        "application/feed+json",
        "JSON Feed 1.1；扩展字段 _baigali 带交付编号、版本与状态。",
        JSON_FEED_SCHEMA,
    ),
)
def feed_json(request):
    return feeds.feed_response(request, request.partner, kind="json")


# --- downloads ---------------------------------------------------------------

DOWNLOAD_TYPES = (
    "video/mp4",
    "audio/mp4",
    "audio/mpeg",
    "image/jpeg",
    "application/vnd.apple.mpegurl",
    "video/iso.segment",
)


@api.get(
    "/downloads/{token}",
    auth=None,
    response={
        200: None,
        302: None,
        403: ErrorOut,
        404: ErrorOut,
        410: ErrorOut,
        422: ValidationErrorOut,
    },
    url_name="download",
    summary="签名下载地址",
    description=(
        "条目详情与订阅源给出的下载地址，无须密钥。过期（410）、条目已撤回或过期"
        "（410）、链接属于其他合作方（403）时拒绝。"
    ),
    openapi_extra={"responses": download_responses(DOWNLOAD_TYPES)},
)
def download(request, token: str = Path(..., max_length=2000)):
    return serve_download(request, token, bearer_partner=bearer_partner(request))
