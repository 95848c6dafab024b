"""Short-lived download links for partners, and the view behind them.

A rendition is handed to a partner as a URL that stops working after
``PARTNER_DOWNLOAD_MAX_AGE`` seconds (default 600):

- on S3 (a storage that presigns) the file's presigned GET URL, made with
  that expiry; the bucket stays private;
- otherwise, and for HLS (whose playlists name further files), our own view
  ``/api/partner/v1/downloads/<token>``. The token is a signed, timestamped
  payload (delivery, version, partner, rendition, and for HLS the file inside
  the rendition's folder); it cannot be forged or altered. The view also
  checks, at every request, that the delivery is still visible to the
  partner's platform and still at the same version, so a withdrawn or
  expired item stops downloading at once.

``PARTNER_DOWNLOADS_VIA_VIEW = True`` sends S3 files through the view too: it
checks the token and the ledger and then redirects to a presigned URL valid
for one minute, so a withdrawal also stops S3 downloads at once.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import posixpath

from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from media_pipeline.file_responses import (
    NO_STORE,
    file_response,
    text_response,
)
from media_pipeline.models import JobStatus, Rendition, RenditionKind
from media_pipeline.outputs import MIME_TYPES
from media_pipeline.playlists import rewrite_playlist as rewrite_playlist_references
from media_pipeline.serving import safe_relative
from media_pipeline.signed_tokens import DownloadRefused, token_read, token_sign
from media_pipeline.storage import presigned_url, storage_presigns

from .conf import syndication_settings
from .fetch_records import record_fetch
from .keys import key_is_live, request_key_id
from .models import Delivery, PartnerAccount

# Unchanged by the move out of media_pipeline: live links keep working.
SALT = "media_pipeline.syndication.download"
#: The payload's field naming the key a link was fetched with.
KEY_FIELD = "key"
#: How long the presigned URL the view redirects to lasts.
REDIRECT_EXPIRY = 60
PLAYLIST_SUFFIXES = (".m3u8",)


def download_max_age() -> int:
    return int(syndication_settings.PARTNER_DOWNLOAD_MAX_AGE)


def downloads_via_view() -> bool:
    return bool(syndication_settings.PARTNER_DOWNLOADS_VIA_VIEW)


def make_token(
    *,
    delivery_id: int,
    version: int,
    partner_id: int,
    rendition_id: int,
    key_id: int | None = None,
    path="",
) -> str:
    payload = {
        "d": delivery_id,
        "v": version,
        "p": partner_id,
        "r": rendition_id,
    }
    if key_id is not None:
        payload[KEY_FIELD] = key_id
    if path:
        payload["f"] = path
    return token_sign(payload, salt=SALT)


def read_token(token: str) -> dict:
    return token_read(
        token,
        salt=SALT,
        max_age=download_max_age(),
        ids="dvpr",
        optional_ids=(KEY_FIELD,),
        expired=_("下载链接已过期，请重新获取条目以得到新链接。"),
    )


def view_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("partner_api:download", args=(token,)))


def rendition_url(
    request, *, row: dict, partner_id: int, rendition: Rendition
) -> tuple[str, dt.datetime]:
    """A download URL for ``rendition`` of the delivery ``row`` and when it
    stops working."""
    max_age = download_max_age()
    expires_at = timezone.now() + dt.timedelta(seconds=max_age)
    if (
        storage_presigns()
        and not downloads_via_view()
        and rendition.kind != RenditionKind.HLS_MASTER
    ):
        return presigned_url(rendition.name, expire=max_age), expires_at
    token = make_token(
        delivery_id=row["id"],
        version=row["version"],
        partner_id=partner_id,
        rendition_id=rendition.pk,
        key_id=request_key_id(request),
    )
    return view_url(request, token), expires_at


def content_type(name: str) -> str:
    suffix = posixpath.splitext(name)[1]
    return (
        MIME_TYPES.get(suffix)
        or mimetypes.guess_type(name)[0]
        or "application/octet-stream"
    )


def check_partner(
    partner_id: int, bearer_partner=None, *, key_id: int | None = None
) -> PartnerAccount:
    """The active partner a link was made for, who must be the one asking
    when the request carries a key; ``key_id``, the key the link was fetched
    with, must not have been revoked since."""
    partner = (
        PartnerAccount.objects.select_related("platform").filter(pk=partner_id).first()
    )
    if partner is None or not partner.is_active:
        raise DownloadRefused(403, _("下载链接无效：合作方不存在或已停用。"))
    if bearer_partner is not None and bearer_partner.pk != partner.pk:
        raise DownloadRefused(403, _("此下载链接属于其他合作方。"))
    if key_id is not None and not key_is_live(key_id):
        raise DownloadRefused(
            403, _("获取此下载链接的接口密钥已被吊销，链接随之失效。")
        )
    return partner


def _checked_target(payload: dict, bearer_partner=None):
    """The partner, delivery and rendition a token names, all still valid."""
    partner = check_partner(payload["p"], bearer_partner, key_id=payload.get(KEY_FIELD))
    delivery = (
        Delivery.objects.visible_to(partner.platform)
        .select_related("asset", "profile")
        .filter(pk=payload["d"])
        .first()
    )
    if delivery is None:
        raise DownloadRefused(410, _("该内容已撤回或已过期，不能再下载。"))
    if delivery.version != payload["v"]:
        raise DownloadRefused(
            410, _("该内容已重新交付，请重新获取条目以得到新的下载链接。")
        )
    rendition = offered_rendition(delivery, payload["r"])
    if rendition is None:
        raise DownloadRefused(410, _("该文件已被新的转码结果取代，请重新获取条目。"))
    return partner, delivery, rendition


def offered_rendition(delivery: Delivery, rendition_id: int) -> Rendition | None:
    """The rendition ``rendition_id`` if it is still one the delivery offers:
    of the asset's published job, or of the delivery profile's own job over
    the asset's current original (see ``offers``)."""
    asset = delivery.asset
    if asset is None:
        return None
    delivery_file = Q(
        job__profile_id=delivery.profile.transcode_profile_id,
        job__status=JobStatus.SUCCEEDED,
        job__source_sha256=asset.sha256,
    )
    return (
        Rendition.objects.select_related("job")
        .filter(pk=rendition_id, job__asset=asset)
        .filter(Q(job_id=asset.published_job_id) | delivery_file)
        .first()
    )


def serve_download(request, token: str, *, bearer_partner=None) -> HttpResponse:
    """Answer a download link: the file, a playlist rewritten so every file it
    names has a link of its own, a redirect to S3, or a refusal in Chinese."""
    try:
        payload = read_token(token)
        partner, delivery, rendition = _checked_target(payload, bearer_partner)
    except DownloadRefused as refused:
        return refused.response()

    prefix = rendition.job.output_prefix
    own = rendition.name.removeprefix(prefix + "/")
    relative = own
    if "f" in payload:
        # A file inside an HLS rendition's folder, named by its playlist.
        relative = safe_relative(str(payload["f"]))
        folder = posixpath.dirname(own)
        if relative is None or not relative.startswith(folder + "/"):
            return DownloadRefused(403, _("下载链接无效。")).response()
    else:
        record_fetch(
            request,
            partner_id=partner.pk,
            kind="download",
            delivery_id=delivery.pk,
            version=delivery.version,
        )
    name = f"{prefix}/{relative}"

    if relative.endswith(PLAYLIST_SUFFIXES):
        try:
            with default_storage.open(name, "rb") as stream:
                text = stream.read().decode("utf-8")
        except FileNotFoundError:
            return DownloadRefused(404, _("文件不存在。")).response()
        body = rewrite_playlist(
            request,
            text,
            relative=relative,
            root=posixpath.dirname(own),
            prefix=prefix,
            payload=payload,
        )
        return text_response(
            body, content_type=content_type(relative), cache_control=NO_STORE
        )

    suffix = posixpath.splitext(relative)[1]
    filename = f"baigali-{delivery.pk}-v{delivery.version}-{rendition.kind}{suffix}"
    if "f" in payload:
        filename = posixpath.basename(relative)
    try:
        return file_response(
            request,
            name,
            content_type=content_type(relative),
            cache_control=NO_STORE,
            filename=filename,
            attachment=True,
            redirect_to_storage=True,
            redirect_expiry=REDIRECT_EXPIRY,
        )
    except Http404:
        return DownloadRefused(404, _("文件不存在。")).response()


def rewrite_playlist(
    request, text: str, *, relative: str, root: str, prefix: str, payload: dict
) -> str:
    """Point every file an HLS playlist names at a link that works: a token
    for our view (playlists, and every file on disk), or on S3 a presigned
    URL for media files. References outside the rendition's folder are left
    out."""
    presign = storage_presigns()
    max_age = download_max_age()

    def url_for(target: str) -> str | None:
        if not target.startswith(root + "/"):
            return None
        if presign and not target.endswith(PLAYLIST_SUFFIXES):
            return presigned_url(f"{prefix}/{target}", expire=max_age)
        token = make_token(
            delivery_id=payload["d"],
            version=payload["v"],
            partner_id=payload["p"],
            rendition_id=payload["r"],
            key_id=payload.get(KEY_FIELD),
            path=target,
        )
        return view_url(request, token)

    return rewrite_playlist_references(
        text, relative=relative, url_for=url_for, keep_external=False
    )
