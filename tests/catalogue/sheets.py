"""Catalogue sheets and media folders for the tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook

from cms.catalogue.columns import COLUMN_NAMES
from tests.media_pipeline.media import ffmpeg, make_audio, make_video

SRT = "1\n00:00:00,000 --> 00:00:01,000\n库布其的沙\n"


def xlsx(rows: list[dict], path: Path, *, header=COLUMN_NAMES) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append([row.get(name) for name in header])
    workbook.save(path)
    return path


def csv_bytes(rows: list[dict], *, encoding: str, header=COLUMN_NAMES) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue().encode(encoding)


def tiny_video(path: Path, *, colour_seconds: float = 1.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return make_video(path, width=160, height=90, seconds=colour_seconds, fps=10)


def tiny_audio(path: Path, *, seconds: float = 1.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return make_audio(path, seconds=seconds)


def tiny_cover(path: Path, *, colour: str = "red") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg(
        "-f", "lavfi", "-i", f"color=c={colour}:s=64x36", "-frames:v", "1", str(path)
    )
    return path


def subtitles(path: Path, text: str = SRT) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
