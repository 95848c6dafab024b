"""Partner API keys: made here, shown once, stored only as a hash.

A key reads ``bgl_`` followed by 43 random URL-safe characters (256 bits).
The database keeps its SHA-256 and its first characters (the prefix, shown in
the admin and used to name a key when revoking it). A key this random needs
no slow hash: nobody can guess it from its SHA-256, and a lookup by hash
takes one indexed query, so revoking a key takes effect on the next request.
"""

import datetime as dt
import hashlib
import secrets

from django.utils import timezone

from .models import PartnerAccount, PartnerKey

KEY_PREFIX = "bgl_"
#: Characters of the key kept in clear: ``bgl_`` and eight random ones.
PREFIX_LENGTH = len(KEY_PREFIX) + 8
#: ``last_used_at`` is written at most this often per key.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
#: Longer bearer values are refused before hashing.
MAX_KEY_LENGTH = 200


def key_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def partner_key_create(*, partner: PartnerAccount) -> tuple[PartnerKey, str]:
    """A new key for ``partner``: the stored row and the plaintext, which is
    never stored and cannot be shown again."""
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = PartnerKey.objects.create(
        partner=partner,
        prefix=plaintext[:PREFIX_LENGTH],
        key_hash=key_hash(plaintext),
    )
    return key, plaintext


def partner_key_authenticate(plaintext: str) -> PartnerKey | None:
    """The live key ``plaintext`` names, with its partner and platform, or None
    if there is no such key or it has been revoked.

    The partner may be inactive: the caller decides what that means (the API
    answers 403 rather than 401, so the partner knows the key itself is good).
    """
    if (
        not plaintext
        or not plaintext.startswith(KEY_PREFIX)
        or len(plaintext) > MAX_KEY_LENGTH
    ):
        return None
    try:
        key = PartnerKey.objects.select_related("partner__platform").get(
            key_hash=key_hash(plaintext), revoked_at__isnull=True
        )
    except PartnerKey.DoesNotExist:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        PartnerKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def partner_key_revoke(*, key: PartnerKey) -> PartnerKey:
    """Revoke ``key`` now; the next request carrying it is refused. Revoking
    a revoked key changes nothing."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        PartnerKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=key.revoked_at
        )
    return key
