"""A throwaway project state for one benchmark run.

Everything the run writes (SQLite database, stored media, staged uploads,
Celery's filesystem broker) lives under one temporary folder, apart from the
developer's ``var/``, and goes when the run ends. The web server started by
the upload benchmark inherits the same environment and so the same database.
"""

import os
import secrets
import shutil
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


def database_name(database_url: str) -> str:
    """The NAME Django's settings give the database of ``database_url``."""
    path = urlsplit(database_url).path
    return path.lstrip("/") if database_url.startswith("postgres") else path[1:]


def database_copy(database_url: str) -> str:
    """A copy of the run's database (nobody connected to it); its URL. A
    SQLite file is copied beside it; a PostgreSQL database is made from it
    as a template, on the same server."""
    if not database_url.startswith("postgres"):
        source = Path(database_name(database_url))
        copy = source.with_name(f"{source.stem}-copy{source.suffix}")
        shutil.copyfile(source, copy)
        return f"sqlite:///{copy}"
    import psycopg

    source = database_name(database_url)
    name = f"{source}_copy"
    server = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))


def database_copy_drop(copy_url: str) -> None:
    """Drop a copy made by database_copy (a SQLite copy goes with the run's
    folder)."""
    if copy_url.startswith("postgres"):
        server = urlunsplit(urlsplit(copy_url)._replace(path="/postgres"))
        database_drop(server, copy_url)


def database_drop(server_url: str, database_url: str) -> None:
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
