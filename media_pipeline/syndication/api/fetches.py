"""The record of every fetch a partner makes: one cheap insert a request."""

import ipaddress

from ..models import FetchRecord

PATH_MAX = 500


def client_address(request) -> str | None:
    """REMOTE_ADDR if it is an IP address. Behind a proxy, set it from the
    forwarded header in the proxy or a middleware, not here."""
    address = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def record_fetch(
    request,
    *,
    partner_id: int,
    kind: str,
    delivery_id: int | None = None,
    version: int | None = None,
) -> None:
    """kind: "list", "item", "download" or "feed"."""
    FetchRecord.objects.create(
        partner_id=partner_id,
        delivery_id=delivery_id,
        version=version,
        kind=kind,
        path=request.get_full_path()[:PATH_MAX],
        address=client_address(request),
    )
