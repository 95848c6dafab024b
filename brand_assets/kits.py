"""Download kits: zips of every variant of the approved versions of a kit's
assets and their usage guide, rebuilt only when those change."""


def kits_rebuild_for_asset(asset_id: int) -> None:
    """Schedule a rebuild of every kit containing the asset (to be built)."""
