"""Fixtures shared by every area of the suite."""

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

PROJECT_DIR = Path(__file__).resolve().parent.parent


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
    from cms.core.demo import demo_load

    with django_db_blocker.unblock():
        return demo_load()


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


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` process on the configured broker and test database.

    It consumes both queues, like a production worker would, and is stopped
    when the session ends. Its log is kept in var/test for debugging.
    """
    from django.db import connection

    from cms.celery import app

    with django_db_blocker.unblock():
        database_name = str(connection.settings_dict["NAME"])
    app.control.purge()
    log_path = Path(settings.VAR_DIR) / "celery-worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "CMS_TEST_DATABASE_NAME": database_name,
        "VAR_DIR": str(settings.VAR_DIR),
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
        f"test-{uuid.uuid4().hex[:8]}@%h",
    ]
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_until_ready(process, log_path)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_ready(process: subprocess.Popen, log_path: Path, timeout=90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Celery worker exited:\n{log_path.read_text()}")
        if "ready." in log_path.read_text():
            return
        time.sleep(0.2)
    raise RuntimeError(
        f"Celery worker not ready in {timeout}s:\n{log_path.read_text()}"
    )
