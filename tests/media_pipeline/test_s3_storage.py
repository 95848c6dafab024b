"""Storage on a real S3 endpoint over HTTP (moto in server mode behind a proxy)."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from storages.backends.s3 import S3Storage

from media_pipeline.models import MediaAsset

# What botocore raises when it cannot reach the endpoint at all.
UNREACHABLE = (EndpointConnectionError, ConnectionClosedError)


def object_keys(client, bucket: str) -> set[str]:
    listing = client.list_objects_v2(Bucket=bucket)
    return {item["Key"] for item in listing.get("Contents", [])}


def test_default_storage_and_file_fields_switch_to_s3(s3_storage, s3_endpoint):
    assert isinstance(default_storage, S3Storage)
    assert default_storage.endpoint_url == s3_endpoint.url
    assert default_storage.bucket_name == s3_endpoint.bucket
    # The field's storage is the default_storage proxy, so it follows too.
    assert isinstance(MediaAsset._meta.get_field("original").storage, S3Storage)
    # The options a deployment gets from cms.settings.base.
    config = default_storage.client_config
    assert config.connect_timeout == 5
    assert config.retries == {"total_max_attempts": 3, "mode": "standard"}
    assert config.s3 == {"addressing_style": "path"}
    assert config.signature_version == "s3v4"


def test_saved_file_is_a_private_object_served_by_presigned_url(
    s3_storage, s3_endpoint
):
    name = default_storage.save("tests/hello.txt", ContentFile(b"hello S3"))

    stored = s3_endpoint.client().get_object(Bucket=s3_endpoint.bucket, Key=name)
    assert stored["Body"].read() == b"hello S3"

    url = default_storage.url(name)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}" == s3_endpoint.url
    assert parts.path == f"/{s3_endpoint.bucket}/{name}"  # path-style addressing
    assert query["X-Amz-Signature"]
    assert 0 < int(query["X-Amz-Expires"][0]) <= 600
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"hello S3"

    unsigned_url = f"{s3_endpoint.url}{parts.path}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned_url, timeout=10)
    assert refused.value.code == 403


def test_file_field_saves_to_the_bucket(db, s3_storage, s3_endpoint):
    asset = MediaAsset(title="S3", sha256="ab" * 32, size=5)
    asset.original.save("clip.mp4", ContentFile(b"video"), save=False)

    assert asset.original.name in object_keys(s3_endpoint.client(), s3_endpoint.bucket)
    assert asset.original.name.startswith(f"media/originals/ab/{'ab' * 32}/")
    with asset.original.open("rb") as stored:
        assert stored.read() == b"video"


def test_outage_fails_fast_and_nothing_is_lost_after_it(s3_storage, s3_endpoint):
    before = default_storage.save("tests/before.txt", ContentFile(b"before"))

    s3_endpoint.stop()
    try:
        started = time.monotonic()
        with pytest.raises(UNREACHABLE):
            default_storage.save("tests/during.txt", ContentFile(b"during"))
        # Seconds, not minutes: the timeouts and retries in settings hold.
        assert time.monotonic() - started < 15
    finally:
        s3_endpoint.start()

    after = default_storage.save("tests/after.txt", ContentFile(b"after"))
    assert object_keys(s3_endpoint.client(), s3_endpoint.bucket) == {before, after}
    with default_storage.open(before, "rb") as stored:
        assert stored.read() == b"before"


def test_environment_gives_a_subprocess_the_same_storage(s3_storage, s3_endpoint):
    # What a Celery worker started with these variables does.
    script = (
        "import django; django.setup();"
        "from django.core.files.base import ContentFile;"
        "from django.core.files.storage import default_storage as storage;"
        "print(storage.save('tests/worker.txt', ContentFile(b'from worker')))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        **s3_endpoint.environment,
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    name = result.stdout.strip().splitlines()[-1]
    with default_storage.open(name, "rb") as stored:
        assert stored.read() == b"from worker"


def test_stop_resets_requests_in_flight_refuses_new_ones_and_start_reuses_port(
    s3_endpoint,
):
    port = s3_endpoint.port
    in_flight = socket.create_connection((s3_endpoint.host, port), timeout=5)
    try:
        # Headers not finished: moto waits, the connection stays open.
        in_flight.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        s3_endpoint.stop()
        with pytest.raises(ConnectionResetError):
            in_flight.recv(1)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((s3_endpoint.host, port), timeout=5)
    finally:
        in_flight.close()
        s3_endpoint.start()

    assert s3_endpoint.port == port
    buckets = s3_endpoint.client().list_buckets()["Buckets"]
    assert s3_endpoint.bucket in {bucket["Name"] for bucket in buckets}
