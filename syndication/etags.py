"""ETags: computed from the data a response is made of, so that a request
can be answered 304 before anything is serialised (``etag_for``), or from
the bytes of a body that is kept whole anyway (``etag_of``)."""

import hashlib

from django.http import HttpResponse


def etag_for(*parts) -> str:
    """A weak ETag over ``parts``: numbers, strings, datetimes, None, and
    tuples and lists of them (their ``repr``, which is stable and several
    times faster to make than JSON)."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f'W/"{digest[:40]}"'


def etag_of(body: bytes) -> str:
    """A weak ETag over a response body that is made whole before it is sent
    (and kept): hashing its bytes costs less than describing its data."""
    return f'W/"{hashlib.sha256(body).hexdigest()[:40]}"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def matches(request, etag: str) -> bool:
    """Whether If-None-Match names ``etag`` (weak comparison, as for GET)."""
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = _opaque(etag)
    return any(_opaque(tag) == wanted for tag in header.split(","))


def not_modified(etag: str) -> HttpResponse:
    response = HttpResponse(status=304)
    del response["Content-Type"]  # no body, so no type
    response["ETag"] = etag
    return response
