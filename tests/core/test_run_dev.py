"""`make run`'s last words: where the site is and how to sign in.

Runs scripts/run-dev.sh for real (the web server and a Celery worker with
beat) on a free port and a folder of its own, and reads what a person would
see on the terminal.
"""

import os
import queue
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
# The server and the worker start Django each; a loaded machine is slow.
STARTUP_TIMEOUT = 120
# How long to keep reading once the login line is out: the worker's first
# tasks (beat's, at start-up) run in this time.
SETTLE_SECONDS = 8


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Terminal:
    """What the script prints, read line by line in a thread of its own (a
    pipe's buffered reader and select() do not mix)."""

    def __init__(self, process):
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(process,), daemon=True).start()

    def _pump(self, process) -> None:
        for line in process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def read_for(self, seconds: float, until: str = "") -> bool:
        """Lines for ``seconds`` or until one holds ``until``; whether it did."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                return False
            if line is None:
                return False
            self.seen.append(line)
            if until and until in line:
                return True
        return False


@pytest.mark.worker
def test_make_run_ends_with_the_addresses_and_the_login(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "VAR_DIR": str(tmp_path),
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DEMO_ADMIN_PASSWORD": "草原-星空",
        "WORKER_CONCURRENCY": "1",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        ["bash", "scripts/run-dev.sh"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    terminal = Terminal(process)
    output = terminal.seen
    try:
        assert terminal.read_for(STARTUP_TIMEOUT, until="登录 / login"), "\n".join(
            output
        )
        terminal.read_for(SETTLE_SECONDS)
    finally:
        # The script stops the server and the worker on TERM.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    screen = "\n".join(output)
    last = [line.strip() for line in output if line.strip()][-4:]
    assert last == [
        f"后台任务日志 / worker log: {tmp_path}/log/worker.log",
        f"网站 / site:   http://127.0.0.1:{port}/",
        f"后台 / admin:  http://127.0.0.1:{port}/admin/",
        "登录 / login:  admin / 草原-星空",
    ], screen
    # The worker did run, and said what it had to say in its log.
    worker_log = (tmp_path / "log" / "worker.log").read_text()
    assert "celery@" in worker_log
    assert "store_partner_items" not in screen
    assert "superuser privileges" not in screen + worker_log
    assert "Invalid -W option" not in worker_log
