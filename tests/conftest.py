"""Fixtures shared by every area of the suite."""

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

PROJECT_DIR = Path(__file__).resolve().parent.parent

# A real S3 endpoint (moto in server mode) behind a proxy tests can cut.
pytest_plugins = ["tests.support.s3"]


def pytest_configure(config):
    """Compile the project's translations when a catalogue is newer than
    its .mo, as `make test` (through scripts/setup.sh) would: a bare pytest
    run must see the same Chinese admin."""
    stale = [
        po
        for po in (PROJECT_DIR / "locale").glob("*/LC_MESSAGES/*.po")
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        from django.core.management import call_command
        from django.utils.translation import trans_real

        call_command(
            "compilemessages",
            locale=["zh_Hans"],
            ignore_patterns=[".venv", "node_modules", "static_vendor", "var"],
            verbosity=0,
        )
        # Catalogues read before this point are read again.
        trans_real._translations.clear()
        trans_real._default = None


def pytest_collection_modifyitems(items):
    """Give every transactional test a serialized rollback.

    Flushing after a transactional test re-creates content types, which then
    collide with the next serialized restore; and the migrations' data (the
    roles, the root page and collection, the transcode profiles) must be back
    for the next test anyway. So no transactional test goes without it.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        transactional = kwargs.get("transaction") or {
            "transactional_db",
            "live_server",
        } & set(getattr(item, "fixturenames", ()))
        if transactional and not kwargs.get("serialized_rollback"):
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


def pytest_sessionfinish(session, exitstatus):
    """Remove this run's folders under var/test unless the run failed."""
    if exitstatus == 0 and Path(settings.VAR_DIR).parent.name == "test":
        shutil.rmtree(settings.VAR_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database with the demo site loaded once for the whole session.

    Tests run in transactions that are rolled back, so each starts from the
    same demo content; loading it per test would cost seconds each time.
    """
    from django.db import connection

    from cms.core.demo import demo_load

    with django_db_blocker.unblock():
        # Without media: the pipeline's own tests cover that, and transcoding
        # the samples would cost every test run half a minute.
        result = demo_load(with_media=False)
        if hasattr(connection, "_test_serialized_contents"):
            # Transactional tests restore this snapshot: include the demo.
            connection._test_serialized_contents = (
                connection.creation.serialize_db_to_string()
            )
        return result


@pytest.fixture
def demo(db, django_db_setup):
    """The demo site, loaded exactly as `manage.py load_demo` loads it."""
    return django_db_setup


def make_user(username: str, *, groups=(), superuser=False):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    User = get_user_model()
    if superuser:
        return User.objects.create_superuser(username, password="pw")
    user = User.objects.create_user(username, password="pw")
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


@pytest.fixture
def producer(db):
    return make_user("producer", groups=["制片"])


@pytest.fixture
def editor(db):
    return make_user("editor", groups=["编辑"])


@pytest.fixture
def reviewer(db):
    return make_user("reviewer", groups=["审核专家"])


@pytest.fixture
def superuser(db):
    return make_user("root", superuser=True)


class WorkerProcess:
    """A real `celery worker` process on the configured broker and the test
    database, consuming both queues as a production worker would.

    Tests may kill it (SIGKILL, as a crash would) and start it again, or
    restart it with other settings (S3 storage).
    """

    def __init__(self, database_name: str):
        self.database_name = database_name
        self.extra_env: dict[str, str] = {}
        self.process: subprocess.Popen | None = None
        self.log_path = Path(settings.VAR_DIR) / "celery-worker.log"
        self.hostname = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self, extra_env: dict[str, str] | None = None) -> "WorkerProcess":
        if extra_env is not None:
            self.extra_env = extra_env
        self.hostname = f"test-{uuid.uuid4().hex[:8]}@%h"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cms.settings.test",
            "CMS_TEST_DATABASE_NAME": self.database_name,
            "VAR_DIR": str(settings.VAR_DIR),
            **self.extra_env,
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cms",
            "worker",
            "--queues",
            "default,transcode",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            self.hostname,
        ]
        with open(self.log_path, "a") as log:
            log.write(f"\n=== start {time.strftime('%H:%M:%S')} ===\n")
            log.flush()
            offset = log.tell()
            # Its own process group, so a kill takes the pool children too.
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_ready(offset)
        return self

    def _wait_until_ready(self, offset: int, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited:\n{self.log()}")
            with open(self.log_path) as log:
                log.seek(offset)
                if "ready." in log.read():
                    return
            time.sleep(0.2)
        raise RuntimeError(f"Celery worker not ready in {timeout}s:\n{self.log()}")

    def hostname_in(self, worker: str) -> bool:
        """Whether a job's ``worker`` field names this process."""
        return bool(self.hostname) and self.hostname.split("@")[0] in worker

    def log(self) -> str:
        return self.log_path.read_text()

    def kill(self) -> None:
        """SIGKILL the worker and its pool, as a crash or OOM kill would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self, extra_env: dict[str, str] | None = None) -> "WorkerProcess":
        self.stop()
        return self.start(extra_env)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def purge_task_queues() -> None:
    """Drop every message waiting on the broker's queues."""
    from cms.celery import app

    app.control.purge()


@pytest.fixture(scope="session")
def _session_worker(django_db_setup, django_db_blocker):
    from django.db import connection

    with django_db_blocker.unblock():
        database_name = str(connection.settings_dict["NAME"])
    purge_task_queues()
    worker = WorkerProcess(database_name)
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def celery_worker_process(_session_worker):
    """The session's worker, running, with nothing left from an earlier test.

    A test leaves work behind: follow-on tasks it enqueued (transcodes after
    an import), messages a warm shutdown put back, retries held for later.
    Run after the test, they write to the database while the next test's
    teardown empties it, and on PostgreSQL that flush deadlocked with one.
    So after each test the worker is killed (a warm stop would put its
    reserved messages back on the queue) and the queues emptied; the next
    test that asks for it starts it again on the default settings, after
    dropping what tests without a worker sent in the meantime.
    """
    if not _session_worker.running():
        purge_task_queues()
        _session_worker.start(extra_env={})
    yield _session_worker
    _session_worker.kill()
    purge_task_queues()
