"""The catalogue import's historical adoptions (平台采用), written to the
ledger: the delivery of the page to the platform, in state adopted with the
day it was adopted, so the adoption report counts it in that month.

A historical adoption did not pass through draft, QC and delivery here, so
it is recorded as it stands, with one event saying where it came from,
rather than walked through ``delivery_transition``, which would refuse the
jump (and stamp today's date on it).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _
from wagtail import hooks

from cms.catalogue.adoptions import HOOK_NAME
from cms.core.deliverables import deliverable_media
from media_pipeline.models import TranscodeProfile

from .models import (
    Delivery,
    DeliveryEvent,
    DeliveryProfile,
    DeliveryState,
    Platform,
    Via,
)

#: Tells these events apart from the ledger's own.
IMPORT_SOURCE = "catalogue_import"


class LedgerAdoptionRecorder:
    def platform_names(self) -> set[str]:
        return set(Platform.objects.values_list("name", flat=True))

    @transaction.atomic
    def record(self, *, page, platform_name: str, adopted_on: dt.date) -> bool:
        platform = Platform.objects.get(name=platform_name)
        existing = (
            Delivery.objects.select_for_update()
            .filter(page=page, platform=platform)
            .first()
        )
        if existing is not None:
            if existing.state == DeliveryState.ADOPTED and (
                existing.adopted_on == adopted_on
            ):
                return False
            if existing.state != DeliveryState.DRAFT:
                # The ledger has its own history for this item: keep it.
                return False
            existing.delete()
        profile = _profile_for(platform)
        delivery = Delivery.objects.create(
            page=page,
            platform=platform,
            profile=profile,
            state=DeliveryState.ADOPTED,
            asset=deliverable_media(page.specific),
            adopted_on=adopted_on,
        )
        DeliveryEvent.objects.create(
            delivery=delivery,
            from_state=DeliveryState.DRAFT,
            to_state=DeliveryState.ADOPTED,
            via=Via.IMPORT,
            reason=_("目录导入的历史采用记录（%(day)s）") % {"day": adopted_on},
            payload={"source": IMPORT_SOURCE},
        )
        return True


def _profile_for(platform: Platform) -> DeliveryProfile:
    """The platform's first delivery profile, made when it has none (a
    profile is required on every delivery)."""
    profile = platform.profiles.order_by("pk").first()
    if profile is None:
        profile = DeliveryProfile.objects.create(
            platform=platform,
            name=_("历史采用（导入）"),
            transcode_profile=TranscodeProfile.objects.get(is_default=True),
        )
    return profile


@hooks.register(HOOK_NAME)
def register_ledger_adoption_recorder():
    return LedgerAdoptionRecorder()
