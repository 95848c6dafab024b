"""Moving media between storage (filesystem or S3, through STORAGES) and the
local temporary folders ffmpeg works in. Nothing here assumes local files
(it uses them when the storage has them)."""

import logging
import os
import posixpath
import shutil
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from .conf import media_settings
from .errors import TransientMediaError

logger = logging.getLogger(__name__)

UPLOAD_WORKERS = 8
COPY_CHUNK = 4 * 1024 * 1024

try:  # botocore is present when the S3 backend is installed.
    from botocore.exceptions import BotoCoreError, ClientError

    STORAGE_ERRORS: tuple[type[BaseException], ...] = (
        OSError,
        BotoCoreError,
        ClientError,
    )
except ImportError:  # pragma: no cover - S3 extras not installed
    STORAGE_ERRORS = (OSError,)


@contextmanager
def storage_errors_are_transient():
    """An unreachable or failing store is the machine's problem, not the file's:
    the job is retried when the store is back."""
    try:
        yield
    except STORAGE_ERRORS as error:
        raise TransientMediaError(
            _("存储服务暂时不可用，稍后将自动重试。"),
            detail=f"{type(error).__name__}: {error}",
        ) from error


def delete_file_on_commit(field_file) -> None:
    """Delete a deleted row's stored file, but only once the deletion is
    committed: a rolled-back delete keeps its file."""
    name, storage = field_file.name, field_file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def copy_to_local(field_file, destination: Path) -> Path:
    """Put a stored file at a local path ffmpeg can read: a hard link to it
    when the storage keeps it on this file system (nothing writes to the
    work folder's copy, and a link costs nothing where a copy of a large
    original cost a twentieth of the transcode), else a streamed copy."""
    if _linked(field_file, destination):
        return destination
    with storage_errors_are_transient():
        field_file.open("rb")
        try:
            with open(destination, "wb") as local:
                shutil.copyfileobj(field_file, local, COPY_CHUNK)
        finally:
            field_file.close()
    return destination


def _linked(field_file, destination: Path) -> bool:
    try:
        path = field_file.path
    except NotImplementedError:  # S3 and other storages without local files
        return False
    try:
        os.link(path, destination)
    except OSError:  # another file system, no links there, or no such file
        return False
    return True


def upload_tree(
    local_root: Path,
    prefix: str,
    relative_paths: Iterable[str],
    storage: Storage = default_storage,
    *,
    replace: bool = False,
) -> None:
    """Store local files under ``prefix``, concurrently (HLS has many segments).

    With ``replace``, a file already stored under the same name is replaced:
    a part of a chunked transcode run again stores the same names.
    """

    def upload(relative: str) -> None:
        name = posixpath.join(prefix, relative)
        if replace and storage.exists(name):
            storage.delete(name)
        with open(local_root / relative, "rb") as stream:
            stored = storage.save(name, File(stream))
        if stored != name:
            # The prefix is unique to this run, so a renamed file means
            # someone else wrote here: never publish a mixed set.
            raise OSError(f"storage renamed {name} to {stored}")

    with storage_errors_are_transient(), ThreadPoolExecutor(UPLOAD_WORKERS) as pool:
        for future in [pool.submit(upload, path) for path in relative_paths]:
            future.result()


def upload_tree_retrying(
    local_root: Path, prefix: str, relative_paths: Iterable[str]
) -> None:
    """``upload_tree`` (replacing), tried again after each of the pauses in
    MEDIA_STORE_RETRY_DELAYS while the storage fails: what was made
    locally (an encoded part) waits out a short outage and is stored as it
    is, rather than being made again. Raises the last TransientMediaError
    once the pauses are spent."""
    relative_paths = list(relative_paths)
    delays = list(media_settings.MEDIA_STORE_RETRY_DELAYS)
    while True:
        try:
            upload_tree(local_root, prefix, relative_paths, replace=True)
            return
        except TransientMediaError as error:
            if not delays:
                raise
            delay = delays.pop(0)
            logger.warning(
                "Storing under %s failed (%s); again in %ss",
                prefix,
                error.detail,
                delay,
            )
            time.sleep(delay)


def download_tree(
    prefix: str, local_root: Path, storage: Storage = default_storage
) -> list[str]:
    """Fetch every file under ``prefix`` into ``local_root``, concurrently;
    their names relative to the prefix."""

    def download(name: str) -> str:
        relative = posixpath.relpath(name, prefix)
        destination = local_root / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(name, "rb") as source, open(destination, "wb") as out:
            shutil.copyfileobj(source, out, COPY_CHUNK)
        return relative

    with storage_errors_are_transient(), ThreadPoolExecutor(UPLOAD_WORKERS) as pool:
        return [
            future.result()
            for future in [pool.submit(download, name) for name in walk(prefix)]
        ]


def walk(prefix: str, storage: Storage = default_storage) -> list[str]:
    """Every stored name under a folder-like prefix."""
    names = []
    try:
        folders, files = storage.listdir(prefix)
    except FileNotFoundError:
        return names
    names += [posixpath.join(prefix, name) for name in files]
    for folder in folders:
        names += walk(posixpath.join(prefix, folder), storage)
    return names


def delete_prefix(prefix: str, storage: Storage = default_storage) -> int:
    names = walk(prefix, storage)
    for name in names:
        storage.delete(name)
    return len(names)


def subfolders(prefix: str, storage: Storage = default_storage) -> list[str]:
    try:
        folders, _files = storage.listdir(prefix)
    except FileNotFoundError:
        return []
    return folders


#: S3 refuses presigned URLs valid for longer than a week.
S3_MAX_EXPIRY = 7 * 24 * 3600


def storage_presigns() -> bool:
    """Whether the storage hands out its own signed URLs (S3 and alikes)."""
    return bool(getattr(default_storage, "querystring_auth", False))


def presigned_url(
    name: str,
    *,
    expire: int | None = None,
    content_type: str = "",
    disposition: str = "",
) -> str:
    """A URL of the storage's own for ``name``, valid for ``expire`` seconds
    (the storage's default when None), that makes it answer with
    ``content_type`` and ``disposition`` when given."""
    kwargs = {}
    if expire is not None:
        kwargs["expire"] = min(max(int(expire), 1), S3_MAX_EXPIRY)
    parameters = {}
    if content_type:
        parameters["ResponseContentType"] = content_type
    if disposition:
        parameters["ResponseContentDisposition"] = disposition
    if parameters:
        kwargs["parameters"] = parameters
    try:
        return default_storage.url(name, **kwargs)
    except TypeError:  # a storage that takes no such arguments
        return default_storage.url(name)
