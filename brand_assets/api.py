"""Brand assets in the partner API: what a partner is licensed for, with
signed, expiring download URLs. Mounted at /api/partner/v1/brand-assets/."""

from ninja import Router

router = Router(tags=["brand-assets"])
