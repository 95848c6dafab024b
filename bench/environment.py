"""A throwaway project state for one benchmark run.

Everything the run writes (SQLite database, stored media, staged uploads,
Celery's filesystem broker) lives under one temporary folder, apart from the
developer's ``var/``, and goes when the run ends. The web server started by
the upload benchmark inherits the same environment and so the same database.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = "cms.settings.dev"


def configure(root: Path, database_url: str = "") -> None:
    """Point the settings at ``root`` before Django is set up.

    Variables that would reach outside the folder (a PostgreSQL
    ``DATABASE_URL``, an S3 bucket, a Redis broker) are overridden: the
    benchmark measures the embedded defaults, filesystem storage included;
    ``database_url`` (made by ``database_create``) replaces the SQLite file.
    """
    var = root / "var"
    var.mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    os.environ["VAR_DIR"] = str(var)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{var / 'db.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(var / "media")
    os.environ["S3_BUCKET"] = ""
    os.environ["CELERY_BROKER_URL"] = "filesystem://"
    os.environ.pop("CELERY_RESULT_BACKEND", None)
    os.environ["PYTHONUNBUFFERED"] = "1"


def setup_django() -> None:
    """Set Django up and create the database (the migrations seed the default
    transcode profile and the root collection)."""
    import django
    from django.core.management import call_command

    django.setup()
    from cms.celery import ensure_filesystem_broker_folders

    ensure_filesystem_broker_folders()
    call_command("migrate", interactive=False, verbosity=0)


def database_create(server_url: str) -> str:
    """A new, empty PostgreSQL database on the server of ``server_url`` (any
    database there it may connect to), for one run; its URL."""
    import psycopg

    name = f"baigali_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def database_drop(server_url: str, database_url: str) -> None:
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
