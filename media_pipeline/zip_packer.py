"""Zips of stored files with a SHA-256 manifest: delivery packages for
platforms and brand kits.

Each entry's size and SHA-256 are taken while it is written, so a file is
read once. The manifest (``manifest-sha256.txt``) is in the format of
``sha256sum``, so whoever receives the zip can check it with
``sha256sum -c manifest-sha256.txt``; it lists every entry but itself.
Large files are streamed in chunks, never held in memory.
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

MANIFEST_NAME = "manifest-sha256.txt"
COPY_CHUNK = 1024 * 1024
# zipfile needs to know in advance when an entry may pass 2 GiB.
ZIP64_THRESHOLD = 2**31 - 1


@dataclass(frozen=True)
class PackedFile:
    name: str
    size: int
    sha256: str


class ZipPacker:
    """Writes entries into ``archive`` and remembers each one's size and
    SHA-256; every entry carries ``date_time`` (the build's local time)."""

    def __init__(self, archive: zipfile.ZipFile, *, date_time: tuple):
        self.archive = archive
        self.date_time = date_time
        self.files: list[PackedFile] = []

    def _info(self, name: str, method: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = method
        info.external_attr = 0o644 << 16
        return info

    def add_stream(
        self, name: str, source: BinaryIO, *, size: int | None, compress: bool
    ) -> PackedFile:
        """Copy a (possibly huge) stream in, chunk by chunk. ``size`` is what
        the caller expects, None when unknown (then ZIP64 is allowed for it).
        Media is compressed already: pass ``compress=False`` for it."""
        digest = hashlib.sha256()
        written = 0
        method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        force_zip64 = size is None or size >= ZIP64_THRESHOLD
        with self.archive.open(
            self._info(name, method), "w", force_zip64=force_zip64
        ) as target:
            while chunk := source.read(COPY_CHUNK):
                digest.update(chunk)
                target.write(chunk)
                written += len(chunk)
        packed = PackedFile(name, written, digest.hexdigest())
        self.files.append(packed)
        return packed

    def add_bytes(self, name: str, data: bytes, *, compress: bool = True) -> PackedFile:
        method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        self.archive.writestr(self._info(name, method), data)
        packed = PackedFile(name, len(data), hashlib.sha256(data).hexdigest())
        self.files.append(packed)
        return packed

    def packed(self) -> dict[str, PackedFile]:
        """Entry name → what was written, for the entries so far."""
        return {packed.name: packed for packed in self.files}

    def write_manifest(self) -> None:
        """Write ``manifest-sha256.txt`` over every entry so far; call last."""
        manifest = "".join(f"{f.sha256}  {f.name}\n" for f in self.files).encode()
        self.archive.writestr(self._info(MANIFEST_NAME, zipfile.ZIP_DEFLATED), manifest)


def read_manifest(archive: zipfile.ZipFile) -> dict[str, str]:
    """Entry name → SHA-256 as the zip's manifest lists them."""
    entries = {}
    for line in archive.read(MANIFEST_NAME).decode().splitlines():
        digest, name = line.split("  ", 1)
        entries[name] = digest
    return entries


def verify_zip(stream: BinaryIO) -> list[str]:
    """The names whose content does not match the manifest, or that one of
    the two lacks (empty when all match), reading each entry in chunks as a
    recipient's checker would."""
    with zipfile.ZipFile(stream) as archive:
        expected = read_manifest(archive)
        present = {n for n in archive.namelist() if n != MANIFEST_NAME}
        bad = sorted(present ^ set(expected))
        for name in sorted(present & set(expected)):
            digest = hashlib.sha256()
            with archive.open(name) as entry:
                shutil.copyfileobj(entry, _HashWriter(digest), COPY_CHUNK)
            if digest.hexdigest() != expected[name]:
                bad.append(name)
        return bad


class _HashWriter:
    """A file-like sink that only hashes what is written to it."""

    def __init__(self, digest):
        self.digest = digest

    def write(self, data):
        self.digest.update(data)
        return len(data)
