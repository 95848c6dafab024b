import os
import socket

from celery import shared_task
from django.db import connection
from wagtail.models import Page


@shared_task
def worker_health() -> dict:
    """Report which process ran this and which database it reached.

    Operators send it to check that workers are alive and configured like the
    web process; the tests send it to prove a real worker process runs tasks.
    """
    return {
        "pid": os.getpid(),
        "hostname": socket.gethostname(),
        "database_vendor": connection.vendor,
        "database_name": str(connection.settings_dict["NAME"]),
        "page_count": Page.objects.count(),
    }
