"""What the sticker album check finds, worded for the people who fix it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProblemLevel(models.TextChoices):
    #: The album cannot be exported until someone changes the art or the spec.
    BLOCKER = "blocker", _("无法自动修正")
    #: Done automatically on export (resized, converted, compressed…).
    FIX = "fix", _("自动修正")
    #: Exported anyway, but worth a look.
    WARNING = "warning", _("提醒")


@dataclass(frozen=True)
class Problem:
    """One finding. ``message`` says, in Chinese, what is wrong and what to
    do; ``name`` is the album file it concerns (``main/03.gif``), if any."""

    level: str
    code: str
    message: str
    role: str = ""
    name: str = ""

    @property
    def fixable(self) -> bool:
        return self.level != ProblemLevel.BLOCKER

    @property
    def level_label(self) -> str:
        return str(ProblemLevel(self.level).label)

    def __str__(self) -> str:
        return f"[{self.level_label}] {self.message}"
