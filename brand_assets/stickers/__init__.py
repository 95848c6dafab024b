"""WeChat sticker albums: check a sticker pack version against the spec
(``StickerSpecItem`` rows) and export the upload-ready zip.

Public API::

    sticker_pack_version(asset, number=None) -> BrandAssetVersion | None
    sticker_pack_check(version) -> list[Problem]
    sticker_pack_export(version, path=None) -> ExportResult

Both check and export build the whole album in memory, so the check reports
exactly what the export would do, including files that cannot be compressed
under their limit.
"""

from .export import (
    ExportResult,
    sticker_pack_check,
    sticker_pack_export,
    sticker_pack_version,
)
from .problems import Problem, ProblemLevel
from .spec import SpecLine, sticker_spec

__all__ = [
    "ExportResult",
    "Problem",
    "ProblemLevel",
    "SpecLine",
    "sticker_pack_check",
    "sticker_pack_export",
    "sticker_pack_version",
    "sticker_spec",
]
