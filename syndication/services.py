"""Writes to the ledger. Every state change goes through
``delivery_transition``; nothing else sets ``Delivery.state``."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.core.deliverables import deliverable_media

from .models import (
    VISIBLE_TO_PARTNER,
    Delivery,
    DeliveryEvent,
    DeliveryProfile,
    DeliveryState,
    Via,
)


class IllegalTransition(Exception):
    """A move the ledger does not allow; ``reason`` says so in Chinese."""

    def __init__(self, delivery: Delivery, to_state: str):
        self.reason = _("不能从“%(from)s”变为“%(to)s”。") % {
            "from": DeliveryState(delivery.state).label,
            "to": DeliveryState(to_state).label,
        }
        super().__init__(self.reason)


def delivery_create(*, page, profile: DeliveryProfile, actor=None) -> Delivery:
    """The delivery of ``page`` to the profile's platform, created as a draft.

    One per item and platform: asking again returns the existing one.
    """
    delivery, created = Delivery.objects.get_or_create(
        page=page,
        platform=profile.platform,
        defaults={
            "profile": profile,
            "asset": deliverable_media(page.specific),
        },
    )
    if created:
        DeliveryEvent.objects.create(
            delivery=delivery,
            from_state=DeliveryState.DRAFT,
            to_state=DeliveryState.DRAFT,
            actor=actor,
            via=Via.ADMIN if actor else Via.SYSTEM,
            reason=_("创建"),
        )
    return delivery


@transaction.atomic
def delivery_transition(
    *,
    delivery: Delivery,
    to_state: str,
    via: str,
    actor=None,
    partner=None,
    reason: str = "",
    payload: dict | None = None,
    **fields,
) -> Delivery:
    """Move a delivery to ``to_state`` and record who, when, why and how.

    ``fields`` are set on the delivery in the same write (the platform's id
    and URL on adoption, the reason of a rejection, …). Illegal moves raise
    IllegalTransition and change nothing.
    """
    locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if to_state not in locked.allowed_next_states():
        raise IllegalTransition(locked, to_state)
    from_state = locked.state
    locked.state = to_state
    for name, value in fields.items():
        setattr(locked, name, value)
    if to_state == DeliveryState.DELIVERED:
        locked.delivered_at = timezone.now()
        locked.version += 1
        asset = locked.asset
        locked.delivered_sha256 = asset.sha256 if asset else ""
        locked.delivered_revision = locked.page.latest_revision
    if to_state == DeliveryState.ADOPTED and not locked.adopted_on:
        locked.adopted_on = timezone.localdate()
    locked.save()
    DeliveryEvent.objects.create(
        delivery=locked,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        partner=partner,
        via=via,
        reason=reason,
        payload=payload or {},
    )
    delivery.refresh_from_db()
    return locked


def delivery_is_out_of_date(delivery: Delivery) -> bool:
    """Whether the item changed after it was delivered: new media, or a newer
    page revision than the one delivered."""
    if delivery.state not in VISIBLE_TO_PARTNER:  # not out with the platform
        return False
    page = delivery.page.specific
    asset = deliverable_media(page)
    if asset is not None and asset.sha256 != delivery.delivered_sha256:
        return True
    return bool(
        delivery.delivered_revision_id
        and page.latest_revision_id
        and page.latest_revision_id != delivery.delivered_revision_id
    )
