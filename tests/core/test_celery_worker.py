import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from cms.celery import app
from cms.core.tasks import worker_health

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def parent_pid(pid: int) -> int:
    # /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces.
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_configured_queues_and_delivery_guarantees():
    assert {queue.name for queue in app.conf.task_queues} == {"default", "transcode"}
    assert app.conf.task_default_queue == "default"
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


@pytest.mark.parametrize("queue", ["default", "transcode"])
def test_a_real_worker_process_executes_a_task(celery_worker_process, queue):
    report = worker_health.apply_async(queue=queue).get(timeout=60)

    # Run in the worker's pool, a child of the worker process, not here.
    assert report["pid"] != os.getpid()
    assert parent_pid(report["pid"]) == celery_worker_process.pid
    # The worker reached the same database as this test, whatever the backend.
    assert report["database_vendor"] == connection.vendor
    assert report["database_name"] == str(connection.settings_dict["NAME"])


def test_worker_is_on_the_broker_from_settings(celery_worker_process):
    log = (Path(settings.VAR_DIR) / "celery-worker.log").read_text()
    transport = re.search(r"transport:\s+(\S+)", log).group(1)
    assert transport.split("://")[0] == settings.CELERY_BROKER_URL.split("://")[0]
