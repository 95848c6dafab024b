"""Proof of play: screen operators' play logs come in through the as-run
import (``import_asrun FILE --network SLUG``), read by the same reader as a
station's log (``asrun.log_lines_read``).

Screen networks live in an app above this one, so that app registers the
importer here from its ``AppConfig.ready()`` (as apps add routers to the
partner API) and the schedule never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlayLogOutcome:
    """What an imported play log proved: one summary line and the details
    (unmatched lines) for a person."""

    summary: str
    details: list[str] = field(default_factory=list)


#: (network slug, file name, content, user) → outcome; raises
#: ``ValidationError`` with the reasons in Chinese for a bad file or slug.
PlayLogImporter = Callable[..., PlayLogOutcome]

_importers: list[PlayLogImporter] = []


def register_play_log_importer(importer: PlayLogImporter) -> None:
    """Let ``importer`` take play logs. The first one registered stays, as
    ``ready()`` may run more than once in tests."""
    if not _importers:
        _importers.append(importer)


def play_log_importer() -> PlayLogImporter | None:
    return _importers[0] if _importers else None
