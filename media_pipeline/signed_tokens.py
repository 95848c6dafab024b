"""Signed, expiring tokens for links to user files, and their refusals.

Partners' download links (syndication), brand downloads and licence links
(brand_assets) carry a small payload of ids signed with the project's
``SECRET_KEY`` and a salt of their own, so a token cannot be forged, altered
or used for another kind of link. Reading one either gives the payload with
the ids it must hold, or raises ``DownloadRefused`` with the status and the
reason (Chinese) to answer with.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core import signing
from django.http import HttpResponse
from django.utils.translation import gettext as _

from .file_responses import refusal_response


class DownloadRefused(Exception):
    """A link to a file that is not (or no longer) honoured."""

    def __init__(self, status: int, detail: str):
        self.status = status
        self.detail = detail
        super().__init__(detail)

    def response(self) -> HttpResponse:
        return refusal_response(self.status, self.detail)


def token_sign(payload: dict, *, salt: str) -> str:
    """A URL-safe token of ``payload`` (a dict of ids and short strings),
    timestamped so that ``token_read`` can refuse it after a while."""
    return signing.dumps(payload, salt=salt, compress=True)


def token_read(
    token: str,
    *,
    salt: str,
    max_age: int | None,
    ids: Iterable[str],
    expired: str,
    invalid: str = "",
    optional_ids: Iterable[str] = (),
) -> dict:
    """The payload of ``token``, holding an integer under each key of
    ``ids`` (and under each of ``optional_ids`` it has). Refused 410 with
    the reason ``expired`` once older than ``max_age`` seconds (None: never
    by age), and 403 with ``invalid`` (by default 下载链接无效。) when
    forged, altered or malformed."""
    invalid = invalid or _("下载链接无效。")
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise DownloadRefused(410, expired) from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise DownloadRefused(403, invalid) from None
    if not isinstance(payload, dict) or not all(
        _is_id(payload.get(key)) for key in ids
    ):
        raise DownloadRefused(403, invalid)
    if not all(_is_id(payload[key]) for key in optional_ids if key in payload):
        raise DownloadRefused(403, invalid)
    return payload


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
