"""Scrubbing sprite sheets, laid out from the tiles the transcode wrote.

The one ffmpeg pass writes each sprite tile as a frame of its own; the
sheets are put together here afterwards, ``SPRITE_COLUMNS`` × ``SPRITE_ROWS``
tiles each, row by row, the last one padded with black, as ffmpeg's tile
filter lays them out. Doing it in the pass with that filter held back the
job's progress: the filter's output starts only once a sheet is full, and
ffmpeg prints no progress report until every output has started, which for
most videos was near their end.
"""

from pathlib import Path

from PIL import Image

from .ladder import SPRITE_COLUMNS, SPRITE_ROWS, SPRITE_TILE_GLOB, TranscodePlan

#: JPEG quality of a sheet: about what ffmpeg's ``-q:v 5`` gave.
SHEET_QUALITY = 80


def sprite_sheets_compose(folder: Path, plan: TranscodePlan) -> list[Path]:
    """Lay the tiles in ``folder`` out into ``sprite_001.jpg``, … and delete
    them; the sheets, in order."""
    tiles = sorted(folder.glob(SPRITE_TILE_GLOB))
    tile_width, tile_height = plan.tile_size
    per_sheet = SPRITE_COLUMNS * SPRITE_ROWS
    sheets = []
    for start in range(0, len(tiles), per_sheet):
        sheet = Image.new(
            "RGB", (SPRITE_COLUMNS * tile_width, SPRITE_ROWS * tile_height)
        )
        for position, tile_path in enumerate(tiles[start : start + per_sheet]):
            row, column = divmod(position, SPRITE_COLUMNS)
            with Image.open(tile_path) as tile:
                sheet.paste(
                    tile.convert("RGB"), (column * tile_width, row * tile_height)
                )
        path = folder / f"sprite_{start // per_sheet + 1:03d}.jpg"
        sheet.save(path, "JPEG", quality=SHEET_QUALITY)
        sheets.append(path)
    for tile_path in tiles:
        tile_path.unlink()
    return sheets
