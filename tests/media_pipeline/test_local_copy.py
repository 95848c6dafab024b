"""The pipeline's local copy of an original: a hard link on a filesystem
storage, a streamed copy from S3; either way the stored original is left as
it was."""

import hashlib
import os

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile

from media_pipeline.models import MediaAsset
from media_pipeline.storage import copy_to_local

CONTENT = b"\x00\x00\x00\x18ftypmp42" + os.urandom(64 * 1024)


def stored(name: str) -> FieldFile:
    """The file as the pipeline gets it: a MediaAsset's original."""
    return FieldFile(None, MediaAsset._meta.get_field("original"), name)


def test_on_a_filesystem_storage_the_original_is_linked_not_copied(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    name = default_storage.save("media/originals/ab/source.mp4", ContentFile(CONTENT))
    work = tmp_path / "work"
    work.mkdir()

    local = copy_to_local(stored(name), work / "source.mp4")

    original = default_storage.path(name)
    assert os.stat(local).st_ino == os.stat(original).st_ino  # one file, linked
    local.unlink()  # the work folder goes when the job ends
    with default_storage.open(name, "rb") as stream:
        assert (
            hashlib.sha256(stream.read()).digest() == hashlib.sha256(CONTENT).digest()
        )


def test_from_s3_the_original_is_streamed_to_a_local_file(s3_storage, tmp_path):
    name = default_storage.save("media/originals/cd/source.mp4", ContentFile(CONTENT))

    local = copy_to_local(stored(name), tmp_path / "source.mp4")

    assert local.read_bytes() == CONTENT
    assert default_storage.exists(name)
