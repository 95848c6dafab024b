"""Historical adoptions (平台采用) are the ledger's business, and the ledger
lives in syndication, above this app in the one-way house. So the catalogue
announces a hook and syndication answers it (``syndication.catalogue_adoptions``
registers a recorder with ``wagtail.hooks``): this app never imports it, and
without syndication installed the column is refused with a reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from wagtail import hooks

HOOK_NAME = "register_catalogue_adoption_recorder"


class AdoptionRecorder(Protocol):
    def platform_names(self) -> set[str]:
        """The names of the platforms an adoption may name (央视频 …)."""

    def record(self, *, page, platform_name: str, adopted_on: dt.date) -> bool:
        """Record that the platform adopted ``page`` on ``adopted_on``;
        True when the ledger changed, False when it already said so."""


def adoption_recorder() -> AdoptionRecorder | None:
    for make_recorder in hooks.get_hooks(HOOK_NAME):
        return make_recorder()
    return None
