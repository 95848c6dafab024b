"""Uploads in progress, staged on the web server's local disk.

Each upload is two files in the staging folder, named by its id (uuid4 hex):

- ``<id>.bin``: the bytes received so far, only ever appended to;
- ``<id>.json``: its state (declared length, offset, metadata, owner, times
  and, once the last byte is in, what became of it).

The state is replaced atomically (a temporary file, then ``os.replace``) so a
reader never sees half of it. Writers hold an exclusive ``flock`` on the data
file rather than on a separate lock file: the data file is never replaced,
only appended to and finally unlinked, so every process locks the same inode,
and a writer that waited for the lock can tell the upload was removed
meanwhile (its link count is zero).

Bodies are copied in fixed-size chunks from a stream, so memory stays flat
whatever the size of the file.
"""

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from ..conf import media_settings
from .errors import (
    BadRequest,
    ChecksumMismatch,
    InsufficientStorage,
    OffsetMismatch,
    UploadExpired,
    UploadLocked,
    UploadNotFound,
    UploadTooLarge,
)

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024
# How long a request waits for another one on the same upload to finish
# before it is told to come back later; a dead connection can hold the lock
# until the server notices, and a web worker should not wait that long.
LOCK_TIMEOUT_SECONDS = 5.0
# Temporary state files older than this were left by a crashed process.
TEMPORARY_FILE_MAX_AGE = dt.timedelta(hours=1)

# hashlib provides these on every platform; tusd offers the same set.
CHECKSUM_ALGORITHMS = {
    "md5": hashlib.md5,
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha512": hashlib.sha512,
}

# Ids become file names, so only exactly what uuid4().hex makes is accepted.
UPLOAD_ID_PATTERN = re.compile(r"[0-9a-f]{32}")

DATA_SUFFIX = ".bin"
STATE_SUFFIX = ".json"
TEMPORARY_SUFFIX = ".tmp"


class ReadableStream(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def staging_dir() -> Path:
    """The folder for uploads in progress, created on first use."""
    path = Path(media_settings.MEDIA_UPLOAD_STAGING_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_upload_bytes() -> int:
    return int(media_settings.MEDIA_UPLOAD_MAX_BYTES)


def upload_ttl() -> dt.timedelta:
    return dt.timedelta(seconds=int(media_settings.MEDIA_UPLOAD_EXPIRE_SECONDS))


def upload_id_is_valid(upload_id) -> bool:
    return isinstance(upload_id, str) and bool(UPLOAD_ID_PATTERN.fullmatch(upload_id))


def _data_path(upload_id: str) -> Path:
    return staging_dir() / f"{upload_id}{DATA_SUFFIX}"


def _state_path(upload_id: str) -> Path:
    return staging_dir() / f"{upload_id}{STATE_SUFFIX}"


@dataclass
class UploadState:
    """What the server knows of one upload, kept in ``<id>.json``."""

    id: str
    length: int
    owner_id: int
    created_at: dt.datetime
    expires_at: dt.datetime
    offset: int = 0
    metadata: dict[str, str] = field(default_factory=dict)
    # Once the last byte is in: the asset it became, or why it did not.
    asset_id: int | None = None
    failure_status: int | None = None
    failure_reason: str = ""
    existing_id: int | None = None

    @property
    def is_finished(self) -> bool:
        return self.asset_id is not None or self.failure_status is not None

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    def to_json(self) -> str:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["expires_at"] = self.expires_at.isoformat()
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "UploadState":
        data = json.loads(text)
        data["created_at"] = dt.datetime.fromisoformat(data["created_at"])
        data["expires_at"] = dt.datetime.fromisoformat(data["expires_at"])
        return cls(**data)


def _state_write(state: UploadState) -> None:
    directory = staging_dir()
    descriptor, temporary = tempfile.mkstemp(
        dir=directory, prefix=f".{state.id}.", suffix=TEMPORARY_SUFFIX
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(state.to_json())
        os.replace(temporary, directory / f"{state.id}{STATE_SUFFIX}")
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _state_read(upload_id: str) -> UploadState | None:
    try:
        text = _state_path(upload_id).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return UploadState.from_json(text)
    except (ValueError, TypeError, KeyError):
        logger.warning("Unreadable state of staged upload %s", upload_id)
        return None


def upload_create(
    *, length: int, owner_id: int, metadata: dict[str, str]
) -> UploadState:
    """Reserve a new upload of ``length`` bytes for the user ``owner_id``."""
    if length <= 0:
        raise BadRequest(_("不能上传空文件。"))
    limit = max_upload_bytes()
    if length > limit:
        raise UploadTooLarge(
            _("文件大小 %(length)s 字节超过了上限 %(limit)s 字节。")
            % {"length": length, "limit": limit}
        )
    now = timezone.now()
    state = UploadState(
        id=uuid.uuid4().hex,
        length=length,
        owner_id=owner_id,
        created_at=now,
        expires_at=now + upload_ttl(),
        metadata=metadata,
    )
    # Checking the room and recording the upload happen under one lock, so
    # two uploads created at once cannot both take the last of it.
    with _reservations_locked():
        _check_room(length=length, owner_id=owner_id, now=now)
        # O_EXCL: an id is never handed out twice, whatever the odds.
        os.close(
            os.open(_data_path(state.id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        )
        _state_write(state)
    logger.info("Created staged upload %s of %s bytes", state.id, length)
    return state


@contextlib.contextmanager
def _reservations_locked() -> Iterator[None]:
    # The staging folder itself is locked: there is no lock file to leave.
    descriptor = os.open(staging_dir(), os.O_RDONLY | os.O_DIRECTORY)
    try:
        _lock(descriptor, LOCK_TIMEOUT_SECONDS)
        yield
    finally:
        # Closing the descriptor releases the lock.
        os.close(descriptor)


def _open_uploads(now: dt.datetime) -> Iterator[tuple[UploadState, int]]:
    """Every upload still being sent, with the bytes it has yet to send."""
    for state_path in staging_dir().glob(f"*{STATE_SUFFIX}"):
        upload_id = state_path.name.removesuffix(STATE_SUFFIX)
        if not upload_id_is_valid(upload_id):
            continue
        state = _state_read(upload_id)
        if state is None or state.is_finished or state.is_expired(now):
            continue
        try:
            received = _data_path(upload_id).stat().st_size
        except FileNotFoundError:
            continue
        yield state, max(state.length - received, 0)


def _check_room(*, length: int, owner_id: int, now: dt.datetime) -> None:
    """Refuse an upload that would not fit beside those already open.

    Each open upload holds its declared length: against the user's quota
    (all of it, as it is staged until complete) and against the staging
    disk (what it has yet to send), which keeps MEDIA_UPLOAD_MIN_FREE_BYTES
    free once everything has arrived. Checking each upload on its own let
    many open ones together fill the disk.
    """
    open_uploads = list(_open_uploads(now))
    quota = int(media_settings.MEDIA_UPLOAD_USER_QUOTA_BYTES)
    own = sum(
        state.length for state, _left in open_uploads if state.owner_id == owner_id
    )
    if own + length > quota:
        raise UploadTooLarge(
            _(
                "您未完成的上传共 %(open)s，加上这个文件（%(length)s）超过了每位用户"
                "%(quota)s 的上限。请先完成或取消其他上传。"
            )
            % {
                "open": filesizeformat(own),
                "length": filesizeformat(length),
                "quota": filesizeformat(quota),
            }
        )
    promised = sum(left for _state, left in open_uploads)
    reserve = int(media_settings.MEDIA_UPLOAD_MIN_FREE_BYTES)
    if shutil.disk_usage(staging_dir()).free - promised - length < reserve:
        logger.warning(
            "Staging disk too full for an upload of %s bytes (%s promised)",
            length,
            promised,
        )
        raise InsufficientStorage(
            _(
                "服务器暂存空间不足，放不下这个文件（%(length)s）：正在进行的上传"
                "已预留了剩余空间。请稍后重试或联系管理员。"
            )
            % {"length": filesizeformat(length)}
        )


def upload_get(upload_id: str, *, owner_id: int) -> UploadState:
    """The state of a user's upload, without taking its lock.

    Someone else's upload is reported as not found, so ids cannot be probed.
    """
    if not upload_id_is_valid(upload_id):
        raise UploadNotFound()
    state = _state_read(upload_id)
    if state is None or state.owner_id != owner_id:
        raise UploadNotFound()
    if state.is_expired():
        raise UploadExpired()
    if not state.is_finished:
        try:
            size = _data_path(upload_id).stat().st_size
        except FileNotFoundError:
            raise UploadNotFound() from None
        # After a crash the data may be shorter than the recorded offset, and
        # only bytes that are really on disk can be claimed.
        state.offset = min(state.offset, size)
    return state


class StagedUpload:
    """An upload held under its lock: the only way to change one."""

    def __init__(self, state: UploadState, file: BinaryIO | None):
        self.state = state
        self.file = file

    @property
    def data_path(self) -> Path:
        return _data_path(self.state.id)

    def save(self) -> None:
        _state_write(self.state)

    def append(
        self,
        *,
        stream: ReadableStream,
        offset: int,
        content_length: int,
        checksum: tuple[str, bytes] | None = None,
    ) -> UploadState:
        """Copy ``content_length`` bytes from ``stream`` to the end of the data.

        With a checksum (algorithm name, expected digest) the chunk is kept only
        if it arrived whole and matches; otherwise it is cut off again and the
        offset stays where it was. Without one, whatever arrived before the
        client went away is kept, which is what makes the upload resumable.
        """
        state = self.state
        if self.file is None or state.is_finished or offset != state.offset:
            raise OffsetMismatch()
        if offset + content_length > state.length:
            raise UploadTooLarge(_("分块超出了创建上传时声明的文件大小。"))
        digest = CHECKSUM_ALGORITHMS[checksum[0]]() if checksum else None
        file = self.file
        received = 0
        interrupted = False
        try:
            # Bytes beyond the recorded offset were left by a request that
            # died before saving its state; they were never acknowledged.
            file.seek(offset)
            file.truncate()
            while received < content_length:
                try:
                    chunk = stream.read(min(CHUNK_SIZE, content_length - received))
                except OSError:
                    # The client went away (Django's UnreadablePostError).
                    chunk = b""
                if not chunk:
                    interrupted = True
                    break
                file.write(chunk)
                if digest is not None:
                    digest.update(chunk)
                received += len(chunk)
            file.flush()
        except OSError as error:
            self._cut_back(offset)
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                logger.error("Staging disk full while writing upload %s", state.id)
                raise InsufficientStorage() from error
            raise
        if digest is not None and (interrupted or digest.digest() != checksum[1]):
            # An incomplete chunk cannot be verified either, so it goes too.
            self._cut_back(offset)
            raise ChecksumMismatch()
        state.offset = offset + received
        # Expiry slides with activity: a slow upload of a large file is not
        # cut off for as long as it keeps making progress.
        state.expires_at = timezone.now() + upload_ttl()
        self.save()
        return state

    def _cut_back(self, offset: int) -> None:
        try:
            self.file.seek(offset)
            self.file.truncate()
            self.file.flush()
        except OSError:
            logger.exception("Could not cut upload %s back", self.state.id)

    def finish(self) -> None:
        """Record the outcome in the state, then drop the data.

        The state goes first, so that whoever finds the data gone also finds
        the outcome.
        """
        self.save()
        self.data_path.unlink(missing_ok=True)

    def remove(self) -> None:
        self.data_path.unlink(missing_ok=True)
        _state_path(self.state.id).unlink(missing_ok=True)
        logger.info("Removed staged upload %s", self.state.id)


def _lock(descriptor: int, timeout: float) -> None:
    # flock has no timeout of its own, so poll without blocking.
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise UploadLocked() from None
            time.sleep(0.05)


@contextlib.contextmanager
def upload_locked(
    upload_id: str, *, owner_id: int, timeout: float | None = None
) -> Iterator[StagedUpload]:
    """A user's upload, held under its exclusive lock for the ``with`` block.

    A finished upload has no data left to lock; its state no longer changes
    except by removal, so it is handed out as it is, with ``file`` None.
    """
    state = upload_get(upload_id, owner_id=owner_id)
    if state.is_finished:
        yield StagedUpload(state, None)
        return
    try:
        file = open(_data_path(upload_id), "r+b")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        # It finished (or was removed) since its state was read.
        state = upload_get(upload_id, owner_id=owner_id)
        yield StagedUpload(state, None)
        return
    with file:
        _lock(file.fileno(), LOCK_TIMEOUT_SECONDS if timeout is None else timeout)
        try:
            # Read again under the lock: whoever held it may have moved the
            # offset on, finished the upload or removed it.
            state = upload_get(upload_id, owner_id=owner_id)
            if os.fstat(file.fileno()).st_nlink == 0 and not state.is_finished:
                raise UploadNotFound()
            yield StagedUpload(state, None if state.is_finished else file)
        finally:
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)


def _older_than(path: Path, age: dt.timedelta) -> bool:
    try:
        return time.time() - path.stat().st_mtime > age.total_seconds()
    except FileNotFoundError:
        return False


def _remove_if_expired(upload_id: str, now: dt.datetime) -> bool:
    data_path = _data_path(upload_id)
    try:
        file = open(data_path, "r+b")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        file = None
    with contextlib.ExitStack() as stack:
        if file is not None:
            stack.enter_context(file)
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                # A request is writing to it right now, so it is not stale.
                return False
            stack.callback(fcntl.flock, file.fileno(), fcntl.LOCK_UN)
        state = _state_read(upload_id)
        if state is not None and not state.is_expired(now):
            return False
        if state is None and not _older_than(_state_path(upload_id), upload_ttl()):
            return False
        data_path.unlink(missing_ok=True)
        _state_path(upload_id).unlink(missing_ok=True)
        return True


def uploads_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the staged files of expired uploads; return how many went.

    Meant to run periodically (a management command or a Celery beat task).
    Uploads being written to at the moment are left alone. Also removes data
    files without a state and temporary files that a crashed process left.
    """
    now = now or timezone.now()
    directory = staging_dir()
    removed = 0
    for state_path in directory.glob(f"*{STATE_SUFFIX}"):
        upload_id = state_path.name.removesuffix(STATE_SUFFIX)
        if upload_id_is_valid(upload_id) and _remove_if_expired(upload_id, now):
            removed += 1
    for data_path in directory.glob(f"*{DATA_SUFFIX}"):
        upload_id = data_path.name.removesuffix(DATA_SUFFIX)
        if (
            upload_id_is_valid(upload_id)
            and not _state_path(upload_id).exists()
            and _older_than(data_path, upload_ttl())
        ):
            data_path.unlink(missing_ok=True)
            removed += 1
    for temporary in directory.glob(f".*{TEMPORARY_SUFFIX}"):
        if _older_than(temporary, TEMPORARY_FILE_MAX_AGE):
            temporary.unlink(missing_ok=True)
    if removed:
        logger.info("Removed %s expired staged uploads", removed)
    return removed
