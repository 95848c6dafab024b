"""A real S3 endpoint for the suite: moto in server mode behind a TCP proxy.

The application only ever talks HTTP to the proxy (`S3Endpoint`), so a test
can take S3 offline and back (`s3_endpoint.stop()` / `.start()`) while moto,
and everything stored in it, keeps running. boto3 is never mocked.

Fixtures (load them with ``pytest_plugins = ["tests.support.s3"]`` in
tests/conftest.py):

``s3_endpoint`` (session)
    The running `S3Endpoint`: ``.url``, ``.bucket``, ``.stop()``, ``.start()``,
    ``.client()`` and ``.environment``.
``s3_environment`` (session)
    The S3_* variables that point cms.settings at the endpoint; add them to a
    subprocess's environment (a Celery worker) to give it the same storage.
``s3_storage`` (function)
    This process's default storage switched to S3 on the endpoint for one
    test, exactly as cms.settings builds it from those variables; the bucket
    is emptied afterwards.
"""

from __future__ import annotations

import importlib.util
import os
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import boto3
import pytest
from botocore.config import Config

from .tcp_proxy import LOCALHOST, S3Endpoint

__all__ = [
    "MotoS3Server",
    "S3Endpoint",
    "s3_endpoint",
    "s3_environment",
    "s3_storage",
    "s3_storage_settings",
]

# moto's server, plus a watchdog that stops it if the test run that started
# it dies without cleaning up (its parent process changes).
_MOTO_SERVER_MAIN = """\
import os, sys, threading, time
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
from moto.server import main
main(sys.argv[1:])
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        return sock.getsockname()[1]


class MotoS3Server:
    """moto's S3 in server mode, in a process of its own, with one private bucket."""

    def __init__(
        self,
        *,
        bucket: str = "test-media",
        region: str = "us-east-1",
        access_key: str = "testing",
        secret_key: str = "testing",
        log_path: Path | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        self.bucket = bucket
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key
        self.log_path = log_path
        self.start_timeout = start_timeout
        self.port = 0
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """moto's own address; the application uses the S3Endpoint's."""
        return f"http://{LOCALHOST}:{self.port}"

    def start(self) -> None:
        # A free port can be taken between looking and binding: try again.
        for attempt in range(3):
            self.port = free_port()
            self._spawn()
            try:
                self._wait_until_listening()
                break
            except RuntimeError:
                self.stop()
                if attempt == 2:
                    raise
        self.client().create_bucket(Bucket=self.bucket, ACL="private")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def client(self, *, endpoint_url: str | None = None, **config_options):
        """A boto3 S3 client, on moto directly unless `endpoint_url` is given."""
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=5,
            read_timeout=30,
            retries={"total_max_attempts": 3, "mode": "standard"},
        ).merge(Config(**config_options))
        return boto3.client(
            "s3",
            endpoint_url=endpoint_url or self.url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=config,
        )

    def empty_bucket(self) -> None:
        """Delete every object and abandoned multipart upload in the bucket."""
        client = self.client()
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket
        ):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True}
                )
        uploads = client.list_multipart_uploads(Bucket=self.bucket)
        for upload in uploads.get("Uploads", []):
            client.abort_multipart_upload(
                Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
            )

    def _spawn(self) -> None:
        env = {**os.environ, "MOTO_PORT": str(self.port), "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-c", _MOTO_SERVER_MAIN]
        command += ["-H", LOCALHOST, "-p", str(self.port)]
        if self.log_path is None:
            output = subprocess.DEVNULL
            self.process = subprocess.Popen(
                command, env=env, stdout=output, stderr=output
            )
            return
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto server exited:\n{self._log_tail()}")
            try:
                socket.create_connection((LOCALHOST, self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(
            f"moto server not listening in {self.start_timeout}s:\n{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        return self.log_path.read_text(errors="replace")[-4000:]


def s3_storage_settings(environment: dict[str, str]) -> dict:
    """`STORAGES["default"]` as cms.settings.base builds it from `environment`.

    The settings module is run afresh with the variables set, so tests use
    the very options a deployment (or a worker given the same variables)
    gets; os.environ is restored afterwards.
    """
    path = importlib.util.find_spec("cms.settings.base").origin
    with mock.patch.dict(os.environ, environment):
        namespace = runpy.run_path(path, run_name="s3_settings")
    return namespace["STORAGES"]["default"]


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 behind a proxy for the whole session; moto logs to var/test."""
    from django.conf import settings

    log_path = Path(settings.VAR_DIR) / "moto-s3.log"
    log_path.unlink(missing_ok=True)
    with MotoS3Server(log_path=log_path) as server, S3Endpoint(server) as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def s3_environment(s3_endpoint) -> dict[str, str]:
    """S3_* variables for a subprocess (a Celery worker) to use the endpoint."""
    return s3_endpoint.environment


@pytest.fixture
def s3_storage(s3_endpoint):
    """Yield this process's default storage, switched to S3 on `s3_endpoint`.

    override_settings sends setting_changed, on which Django empties
    `storages` and resets `default_storage`, so both, and every FileField
    without a storage of its own, use S3 until the test ends.
    """
    from django.conf import settings
    from django.core.files.storage import storages
    from django.test import override_settings

    s3_endpoint.start()  # in case an earlier test left it stopped
    default = s3_storage_settings(s3_endpoint.environment)
    try:
        with override_settings(STORAGES={**settings.STORAGES, "default": default}):
            yield storages["default"]
    finally:
        s3_endpoint.start()
        s3_endpoint.server.empty_bucket()
