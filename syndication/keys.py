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
from functools import cache

from django.db import connections, router
from django.utils import timezone

from .models import PartnerAccount, PartnerKey, Platform
from .page_cache import version_sql

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


#: What a request needs of a live key, its partner and the partner's platform.
KEY_FIELDS = frozenset({"id", "partner_id", "key_hash"})
PARTNER_FIELDS = frozenset({"id", "name", "platform_id", "is_active"})
PLATFORM_FIELDS = frozenset({"id", "name", "slug"})


def _loaded(model, wanted: frozenset) -> tuple[str, ...]:
    # In the model's own order, the order Model.from_db() reads values in.
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in wanted)


@cache
def _parts():
    return (
        (PartnerKey, "k", _loaded(PartnerKey, KEY_FIELDS)),
        (PartnerAccount, "a", _loaded(PartnerAccount, PARTNER_FIELDS)),
        (Platform, "p", _loaded(Platform, PLATFORM_FIELDS)),
    )


@cache
def _lookup_sql(alias: str) -> str:
    """One indexed query for a live key with its partner and platform, the
    platform's data version, and whether its last use is to be written
    (``last_used_at`` at or before the time given as the first parameter).

    Written out rather than built by the ORM: it runs on every request of
    the partner API, and building the query costs ten times running it."""
    quote = connections[alias].ops.quote_name
    keys, partners = PartnerKey._meta, PartnerAccount._meta

    def column(meta, name):
        return quote(meta.get_field(name).column)

    columns = [
        f"{table}.{column(model._meta, name)}"
        for model, table, names in _parts()
        for name in names
    ]
    last_used = f"k.{column(keys, 'last_used_at')}"
    platform_id = f"a.{column(partners, 'platform')}"
    return (
        f"SELECT {', '.join(columns)}, {version_sql(alias, platform_id)}, "
        f"CASE WHEN {last_used} IS NULL OR {last_used} <= %s THEN 1 ELSE 0 END "
        f"FROM {quote(keys.db_table)} k "
        f"JOIN {quote(partners.db_table)} a "
        f"ON a.{quote(partners.pk.column)} = k.{column(keys, 'partner')} "
        f"JOIN {quote(Platform._meta.db_table)} p "
        f"ON p.{quote(Platform._meta.pk.column)} = a.{column(partners, 'platform')} "
        f"WHERE k.{column(keys, 'key_hash')} = %s "
        f"AND k.{column(keys, 'revoked_at')} IS NULL"
    )


def partner_key_authenticate(plaintext: str) -> PartnerKey | None:
    """The live key ``plaintext`` names, with its partner and platform, or None
    if there is no such key or it has been revoked.

    The partner may be inactive: the caller decides what that means (the API
    answers 403 rather than 401, so the partner knows the key itself is good).
    Key, partner and platform come with the columns a request needs; the
    others load when read (and ``save()`` writes only the loaded ones).
    """
    if (
        not plaintext
        or not plaintext.startswith(KEY_PREFIX)
        or len(plaintext) > MAX_KEY_LENGTH
    ):
        return None
    alias = router.db_for_read(PartnerKey)
    connection = connections[alias]
    now = timezone.now()
    stale = connection.ops.adapt_datetimefield_value(now - LAST_USED_RESOLUTION)
    with connection.cursor() as cursor:
        cursor.execute(_lookup_sql(alias), [stale, key_hash(plaintext)])
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for model, _table, names in _parts():
        values = dict(zip(names, row[start : start + len(names)], strict=True))
        start += len(names)
        if "is_active" in values:
            values["is_active"] = bool(values["is_active"])  # 0 or 1 on SQLite
        instances.append(model.from_db(alias, names, tuple(values.values())))
    key, partner, platform = instances
    partner.platform = platform
    key.partner = partner
    # Read here to spare the listing a query of its own (see api/pages.py).
    key.platform_data_version = str(row[-2])
    if row[-1]:
        PartnerKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def request_key_id(request) -> int | None:
    """The id of the key a partner API request was authenticated with: the
    download links made for it carry it, so revoking the key kills them."""
    key = getattr(request, "auth", None)
    return key.pk if isinstance(key, PartnerKey) else None


def key_is_live(key_id: int) -> bool:
    return PartnerKey.objects.filter(pk=key_id, revoked_at__isnull=True).exists()


def bearer_partner(request) -> PartnerAccount | None:
    """The partner whose valid key the request carries, if any. Download
    links need no key; one that comes with a key must be that partner's."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    key = partner_key_authenticate(header[7:].strip())
    return key.partner if key else None


def partner_key_revoke(*, key: PartnerKey) -> PartnerKey:
    """Revoke ``key`` now; the next request carrying it is refused. Revoking
    a revoked key changes nothing."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        PartnerKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=key.revoked_at
        )
    return key
