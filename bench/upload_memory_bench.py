"""How much the web process's memory grows while it receives a large upload.

A Django development server (``manage.py runserver --noreload``: one process,
a thread per request, as a threaded WSGI server runs) is started on the
benchmark's own SQLite database and folders. The real tus client, tuspy,
uploads a file of random bytes to ``/api/media/uploads/`` in 64 MiB PATCH
requests, authenticated with a Wagtail API token. The last PATCH hands the
file to ``asset_create_from_upload``, which hashes it and copies it into
MEDIA_ROOT before answering: that is part of the measurement.

Memory is read from /proc/<pid>/status: VmRSS before, then the kernel's own
high-water mark VmHWM (reset through /proc/<pid>/clear_refs just before the
upload, so it is the peak of the upload alone), and VmRSS polled every 10 ms
as a second opinion.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .environment import PROJECT_DIR
from .media import MiB, make_random_file

ENDPOINT = "/api/media/uploads/"
WARM_UP_BYTES = 3 * MiB
READY_TIMEOUT_SECONDS = 90


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in KiB."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _sep, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(value.split()[0])
    return values


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0); False if not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


class RssPoller:
    """Samples VmRSS in a thread until stopped; keeps the highest."""

    def __init__(self, pid: int, interval: float = 0.01):
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                rss = memory_kib(self.pid)["VmRSS"]
            except (OSError, KeyError):
                return
            self.peak_kib = max(self.peak_kib, rss)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


@dataclass
class UploadResults:
    size_bytes: int
    chunk_bytes: int
    size_note: str = ""
    rss_start_kib: int = 0  # server started, nothing asked yet
    rss_before_kib: int = 0  # after a small warm-up upload
    hwm_during_kib: int = 0  # kernel high-water mark during the big upload
    polled_peak_kib: int = 0
    rss_after_kib: int = 0
    peak_reset: bool = False
    upload_seconds: float = 0.0
    last_patch_seconds: float = 0.0
    stored_ok: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def peak_kib(self) -> int:
        peak = self.hwm_during_kib if self.peak_reset else self.polled_peak_kib
        return max(peak, self.polled_peak_kib)

    @property
    def growth_kib(self) -> int:
        """Peak during the upload over the RSS of the warmed-up server."""
        return self.peak_kib - self.rss_before_kib

    @property
    def growth_from_start_kib(self) -> int:
        """The same over the RSS of the server before its first request."""
        return self.peak_kib - self.rss_start_kib


def upload_size_for(directory: Path, requested: int | None) -> tuple[int, str]:
    """2 GiB, or 1 GiB when the disk has less than 10 GiB free.

    At the moment the last chunk is stored, the source file, the staged copy
    and the stored original exist side by side: three times the size.
    """
    if requested:
        return requested, ""
    free = shutil.disk_usage(directory).free
    if free < 10 * 1024**3:
        return 1024 * MiB, f"only {free / 1024**3:.1f} GiB free: 1 GiB instead of 2"
    return 2048 * MiB, ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_start(port: int, log_path: Path) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "runserver",
                "--noreload",
                f"127.0.0.1:{port}",
            ],
            cwd=PROJECT_DIR,
            env=os.environ.copy(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def server_wait(server: subprocess.Popen, url: str, log_path: Path) -> None:
    import requests

    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"web server exited:\n{log_path.read_text()[-3000:]}")
        try:
            if requests.options(url, timeout=2).status_code == 204:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"web server not ready:\n{log_path.read_text()[-3000:]}")


def server_stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def api_token() -> str:
    from django.contrib.auth import get_user_model
    from wagtail.models import APIToken

    user = get_user_model().objects.create_superuser(
        f"bench-{secrets.token_hex(4)}", password=secrets.token_urlsafe(16)
    )
    _token, plaintext = APIToken.create_token(user=user, name="bench")
    return plaintext


def tus_upload(
    endpoint: str, token: str, path: Path, chunk: int, title: str
) -> tuple[int, float]:
    """Upload with tuspy; returns the asset id and the last PATCH's seconds."""
    from tusclient.client import TusClient

    client = TusClient(endpoint, headers={"Authorization": f"Bearer {token}"})
    # tuspy leaves files it opens itself open, so it is given a stream.
    with open(path, "rb") as stream:
        uploader = client.uploader(
            file_stream=stream,
            chunk_size=chunk,
            metadata={"filename": path.name, "title": title},
            upload_checksum=True,
        )
        uploader.set_url(uploader.create_url())
        last = 0.0
        while uploader.offset < uploader.get_file_size():
            start = time.monotonic()
            uploader.upload_chunk()
            last = time.monotonic() - start
    asset_id = uploader.request.response_headers.get("x-media-asset-id")
    if asset_id is None:
        raise RuntimeError(
            f"upload did not become an asset: {uploader.request.status_code} "
            f"{uploader.request.response_content[:500]!r}"
        )
    return int(asset_id), last


def run(
    *,
    scratch: Path,
    size: int | None = None,
    chunk: int = 64 * MiB,
    log=print,
) -> UploadResults:
    from django.conf import settings

    from media_pipeline.models import MediaAsset

    scratch.mkdir(parents=True, exist_ok=True)
    size, note = upload_size_for(scratch, size)
    results = UploadResults(size_bytes=size, chunk_bytes=chunk, size_note=note)
    if note:
        log(f"  note: {note}")
    source = scratch / "upload-source.bin"
    warm_up = scratch / "warm-up.bin"
    log_path = scratch / "runserver.log"
    server = None
    try:
        log(f"  writing {size / MiB:.0f} MiB of random bytes")
        expected_sha256 = make_random_file(source, size)
        make_random_file(warm_up, WARM_UP_BYTES)
        token = api_token()
        port = free_port()
        endpoint = f"http://127.0.0.1:{port}{ENDPOINT}"
        server = server_start(port, log_path)
        server_wait(server, endpoint, log_path)
        results.rss_start_kib = memory_kib(server.pid)["VmRSS"]

        # The first upload loads the code paths it needs (views, services,
        # the Celery client that queues the job); that is start-up, not
        # growth with the size of the file.
        tus_upload(endpoint, token, warm_up, chunk, "warm-up")
        time.sleep(0.5)
        results.rss_before_kib = memory_kib(server.pid)["VmRSS"]
        results.peak_reset = reset_peak(server.pid)
        if not results.peak_reset:
            results.notes.append("could not reset VmHWM; the polled peak is used")

        log(f"  uploading with tuspy in {chunk / MiB:.0f} MiB chunks")
        start = time.monotonic()
        with RssPoller(server.pid) as poller:
            asset_id, results.last_patch_seconds = tus_upload(
                endpoint, token, source, chunk, "基准测试上传"
            )
        results.upload_seconds = time.monotonic() - start
        memory = memory_kib(server.pid)
        results.hwm_during_kib = memory["VmHWM"]
        results.rss_after_kib = memory["VmRSS"]
        results.polled_peak_kib = poller.peak_kib

        asset = MediaAsset.objects.get(pk=asset_id)
        results.stored_ok = asset.sha256 == expected_sha256 and asset.size == size
        if not results.stored_ok:
            results.notes.append("the stored original does not match what was sent")
        staged = list((Path(settings.VAR_DIR) / "uploads").glob("*.bin"))
        if staged:
            results.notes.append(f"{len(staged)} staged files left behind")
    finally:
        if server is not None:
            server_stop(server)
        # Two to six gigabytes: gone at once, not at the end of the run.
        source.unlink(missing_ok=True)
        warm_up.unlink(missing_ok=True)
        shutil.rmtree(Path(settings.VAR_DIR) / "uploads", ignore_errors=True)
        shutil.rmtree(
            Path(settings.MEDIA_ROOT) / "media" / "originals", ignore_errors=True
        )
    return results
