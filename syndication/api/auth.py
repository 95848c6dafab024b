"""Key authentication and the per-key rate limit of the partner API.

Requests carry ``Authorization: Bearer <key>``. A missing, unknown or revoked
key is answered 401; a good key of a deactivated partner 403. The key is
looked up on every request (one indexed query), so a revocation holds from
the next request on.

Rate limit: a fixed window per key, ``PARTNER_API_RATE_LIMIT`` requests
(default 600) per ``PARTNER_API_RATE_WINDOW`` seconds (default 60), counted
in the Django cache named by ``PARTNER_API_CACHE`` (default "default"). The
default local-memory cache counts per process: production should configure a
cache shared by all web processes (Redis through ``CACHES``). Responses carry
``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset``
(Unix time the window ends); past the limit the answer is 429 with
``Retry-After`` in seconds.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.core.cache import caches
from ninja.security import HttpBearer

from ..conf import syndication_settings
from ..keys import partner_key_authenticate
from ..models import PartnerAccount, PartnerKey


class PartnerInactive(Exception):
    """A valid key of a partner that has been deactivated."""


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(retry_after)


@dataclass(frozen=True)
class RateState:
    limit: int
    remaining: int
    reset: int  # Unix time the window ends

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


def rate_limit_settings() -> tuple[int, int]:
    limit = int(syndication_settings.PARTNER_API_RATE_LIMIT)
    window = int(syndication_settings.PARTNER_API_RATE_WINDOW)
    return limit, max(window, 1)


def count_request(key: PartnerKey) -> tuple[RateState, float] | None:
    """Count one request of ``key`` in the current window: the state after
    it and the seconds left in the window; None when limiting is off."""
    limit, window = rate_limit_settings()
    if limit <= 0:
        return None
    cache = caches[syndication_settings.PARTNER_API_CACHE]
    now = time.time()
    bucket = int(now // window)
    reset = (bucket + 1) * window
    # The hash, not the row id: ids are reused when a test rolls back.
    cache_key = f"partner-api:rate:{key.key_hash[:32]}:{window}:{bucket}"
    # incr first: after a window's first request the counter exists, so a
    # request costs one cache operation (a round trip to Redis), not two.
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the window's first request
        if cache.add(cache_key, 1, timeout=window + 5):
            count = 1
        else:  # another process added it meanwhile
            count = cache.incr(cache_key)
    return RateState(limit, max(limit - count, 0), reset), (
        reset - now if count > limit else 0
    )


class PartnerKeyAuth(HttpBearer):
    """Bearer key → PartnerKey (``request.auth``); the partner is set on
    ``request.partner`` and the rate state on ``request.partner_rate``."""

    def authenticate(self, request, token: str) -> PartnerKey | None:
        key = partner_key_authenticate(token.strip())
        if key is None:
            return None
        if not key.partner.is_active:
            raise PartnerInactive()
        request.partner = key.partner
        request.platform_data_version = key.platform_data_version
        counted = count_request(key)
        if counted is not None:
            state, wait = counted
            request.partner_rate = state
            if wait > 0:
                raise RateLimited(max(math.ceil(wait), 1))
        return key


def request_partner(request) -> PartnerAccount:
    return request.partner
