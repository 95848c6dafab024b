"""Outdoor screen playlists in the partner API, mounted at
/api/partner/v1/screens/.

A network's operator is a partner account (``ScreenNetwork.operator``); its
key fetches that network's playlists and nothing else. A partner that runs
no network is refused (403, with the reason); another network's playlist
answers 404, as if it did not exist. The API's key authentication, rate
limit and error handlers apply here too.
"""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema

from syndication.schemas import ErrorOut, ValidationErrorOut

from .models import Playlist, ScreenNetwork
from .packages import playlist_document
from .services import PlaylistNotReady
from .serving import package_response

router = Router(tags=["screens"])

MAX_ID = 2**63 - 1
COMMON_ERRORS = {401: ErrorOut, 403: ErrorOut, 429: ErrorOut}
JSON_TYPE = "application/json; charset=utf-8"


class PlaylistOut(Schema):
    id: int
    name: str
    network: str = Field(description="屏幕网络的网址标识")
    valid_from: dt.date = Field(description="生效日期（含）")
    valid_until: dt.date | None = Field(description="截止日期（含）；空表示长期有效")
    updated_at: dt.datetime


class PlaylistListOut(Schema):
    items: list[PlaylistOut]


def _json(data, *, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(),
        status=status,
        content_type=JSON_TYPE,
    )


def _networks(request):
    return ScreenNetwork.objects.filter(operator=request.partner)


def _refused() -> HttpResponse:
    return _json(
        {"detail": _("贵方不是任何屏幕网络的运营方，没有可获取的播放列表。")},
        status=403,
    )


def _playlist(request, playlist_id: int) -> Playlist | HttpResponse:
    networks = _networks(request)
    if not networks.exists():
        return _refused()
    playlist = (
        Playlist.objects.filter(pk=playlist_id, network__in=networks)
        .select_related("network")
        .first()
    )
    if playlist is None:
        return _json({"detail": _("未找到该播放列表。")}, status=404)
    return playlist


@router.get(
    "/playlists",
    response={200: PlaylistListOut, **COMMON_ERRORS},
    url_name="screen_playlists",
    summary="本网络的播放列表",
    description="贵方运营的屏幕网络的全部播放列表，按生效日期由近到远。",
)
def list_playlists(request):
    networks = _networks(request)
    if not networks.exists():
        return _refused()
    playlists = (
        Playlist.objects.filter(network__in=networks)
        .select_related("network")
        .order_by("-valid_from", "pk")
    )
    return _json(
        {
            "items": [
                {
                    "id": p.pk,
                    "name": p.name,
                    "network": p.network.slug,
                    "valid_from": p.valid_from.isoformat(),
                    "valid_until": p.valid_until.isoformat() if p.valid_until else None,
                    "updated_at": p.updated_at.isoformat(),
                }
                for p in playlists
            ]
        }
    )


@router.get(
    "/playlists/{playlist_id}",
    response={
        200: dict,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut,
        **COMMON_ERRORS,
    },
    url_name="screen_playlist",
    summary="一个播放列表（playlist.json）",
    description=(
        "与播放包中的 playlist.json 相同：每种屏幕尺寸的播放顺序、每个文件的时长、"
        "大小与 SHA-256。文件尚未全部生成时 409。"
    ),
)
def get_playlist(request, playlist_id: int = Path(..., ge=1, le=MAX_ID)):
    playlist = _playlist(request, playlist_id)
    if isinstance(playlist, HttpResponse):
        return playlist
    try:
        return _json(playlist_document(playlist))
    except PlaylistNotReady as error:
        return _json({"detail": error.reason}, status=409)


@router.get(
    "/playlists/{playlist_id}/package",
    response={404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut, **COMMON_ERRORS},
    url_name="screen_playlist_package",
    summary="播放包（zip）",
    description=(
        "各屏幕尺寸的文件、playlist.json 与 manifest-sha256.txt"
        "（可用 sha256sum -c 校验）。"
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "播放包",
                "content": {"application/zip": {"schema": {"type": "string"}}},
            }
        }
    },
)
def get_package(request, playlist_id: int = Path(..., ge=1, le=MAX_ID)):
    playlist = _playlist(request, playlist_id)
    if isinstance(playlist, HttpResponse):
        return playlist
    try:
        return package_response(request, playlist)
    except PlaylistNotReady as error:
        return _json({"detail": error.reason}, status=409)
