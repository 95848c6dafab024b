"""The tus upload server, driven by Django's test client and by tuspy, a real
tus client, against a live server."""

import base64
import collections
import datetime as dt
import hashlib
import http.client
import json
import os
import re
import time
import uuid
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest
import requests
from django.middleware.csrf import CSRF_ALLOWED_CHARS
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string
from tusclient.client import TusClient
from wagtail.models import APIToken, Collection

from media_pipeline.models import MediaAsset
from media_pipeline.tus import staging
from tests.conftest import make_user

MiB = 1024 * 1024
ENDPOINT = "/api/media/uploads/"
TUS = {"Tus-Resumable": "1.0.0"}
CHUNK = "application/offset+octet-stream"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def staging_dir(settings, tmp_path):
    """Staged uploads and stored originals in this test's own folder."""
    settings.MEDIA_UPLOAD_STAGING_DIR = tmp_path / "uploads"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "uploads"


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def token_client(user) -> Client:
    _token, plaintext = APIToken.create_token(user=user, name="tus tests")
    return Client(headers={"Authorization": f"Bearer {plaintext}"})


def create(client, length, *, metadata="", **headers):
    headers = {**TUS, "Upload-Length": str(length), **headers}
    if metadata:
        headers["Upload-Metadata"] = metadata
    # generic(): post() would send an empty multipart form as the body.
    return client.generic("POST", ENDPOINT, headers=headers)


def create_url(client, length, **kwargs) -> str:
    response = create(client, length, **kwargs)
    assert response.status_code == 201, response.content
    return urlsplit(response["Location"]).path


def patch(client, url, data: bytes, offset: int, **headers):
    return client.patch(
        url,
        data=data,
        content_type=CHUNK,
        headers={**TUS, "Upload-Offset": str(offset), **headers},
    )


def head(client, url):
    return client.head(url, headers=TUS)


def checksum(algorithm: str, data: bytes) -> str:
    digest = hashlib.new(algorithm, data).digest()
    return f"{algorithm} {base64.b64encode(digest).decode()}"


def upload_id(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response["Tus-Resumable"] == "1.0.0"
    if response.request["REQUEST_METHOD"] == "HEAD":
        # Answers to HEAD have no body.
        assert response.content == b""
        return {}
    body = json.loads(response.content)
    assert CHINESE.search(body["error"]), body
    return body


# --- Protocol ------------------------------------------------------------------


def test_options_describes_the_server_without_login(client, settings):
    settings.MEDIA_UPLOAD_MAX_BYTES = 123456
    response = client.options(ENDPOINT)

    assert response.status_code == 204
    assert response["Tus-Resumable"] == "1.0.0"
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) >= {
        "creation",
        "checksum",
        "termination",
        "expiration",
    }
    assert response["Tus-Max-Size"] == "123456"
    assert {"sha1", "sha256"} <= set(response["Tus-Checksum-Algorithm"].split(","))


def test_create_patch_and_head(producer, staging_dir):
    client = token_client(producer)
    data = os.urandom(3000)
    metadata = f"filename {b64('古如歌.mp4')},title {b64('鄂尔多斯古如歌')}"

    response = create(client, len(data), metadata=metadata)
    assert response.status_code == 201
    assert response["Tus-Resumable"] == "1.0.0"
    expires = parsedate_to_datetime(response["Upload-Expires"])
    assert expires > timezone.now() + dt.timedelta(hours=23)
    url = urlsplit(response["Location"]).path
    assert re.fullmatch(r"/api/media/uploads/[0-9a-f]{32}/", url)

    response = head(client, url)
    assert response.status_code == 200
    assert response["Upload-Offset"] == "0"
    assert response["Upload-Length"] == "3000"
    assert response["Cache-Control"] == "no-store"
    assert response["Upload-Metadata"] == metadata

    response = patch(client, url, data[:1000], 0)
    assert response.status_code == 204
    assert response["Upload-Offset"] == "1000"
    assert parsedate_to_datetime(response["Upload-Expires"])
    assert head(client, url)["Upload-Offset"] == "1000"

    response = patch(client, url, data[1000:], 1000)
    assert response.status_code == 204
    asset = MediaAsset.objects.get(pk=response["X-Media-Asset-Id"])
    assert response["Upload-Offset"] == "3000"
    assert asset.sha256 == hashlib.sha256(data).hexdigest()
    assert asset.title == "鄂尔多斯古如歌"
    assert asset.original_filename == "古如歌.mp4"
    assert asset.uploaded_by == producer
    with asset.original.open("rb") as stream:
        assert stream.read() == data
    # The staged bytes are gone; only the small completion marker is left.
    assert not list(staging_dir.glob("*.bin"))

    response = head(client, url)
    assert response.status_code == 200
    assert response["Upload-Offset"] == "3000"
    assert response["X-Media-Asset-Id"] == str(asset.pk)


def test_offset_mismatch_is_a_conflict(producer, staging_dir):
    client = token_client(producer)
    url = create_url(client, 100)
    assert patch(client, url, b"x" * 10, 0).status_code == 204

    assert_error(patch(client, url, b"y" * 10, 0), 409)
    assert_error(patch(client, url, b"y" * 10, 20), 409)
    assert head(client, url)["Upload-Offset"] == "10"


def test_chunk_beyond_declared_length_is_refused(producer, staging_dir):
    client = token_client(producer)
    url = create_url(client, 10)

    assert_error(patch(client, url, b"x" * 11, 0), 413)
    assert head(client, url)["Upload-Offset"] == "0"


def test_patch_needs_the_tus_content_type(producer, staging_dir):
    client = token_client(producer)
    url = create_url(client, 10)
    response = client.patch(
        url,
        data=b"x",
        content_type="application/octet-stream",
        headers={**TUS, "Upload-Offset": "0"},
    )
    assert_error(response, 415)


def test_missing_or_wrong_tus_version_is_refused(producer, staging_dir):
    client = token_client(producer)
    response = client.generic("POST", ENDPOINT, headers={"Upload-Length": "10"})
    assert_error(response, 412)
    assert response["Tus-Version"] == "1.0.0"
    response = client.generic(
        "POST", ENDPOINT, headers={"Tus-Resumable": "0.2.2", "Upload-Length": "10"}
    )
    assert_error(response, 412)


def test_method_override(producer, staging_dir):
    client = token_client(producer)
    url = create_url(client, 4)

    response = client.post(
        url,
        data=b"ab",
        content_type=CHUNK,
        headers={**TUS, "Upload-Offset": "0", "X-HTTP-Method-Override": "PATCH"},
    )
    assert response.status_code == 204
    assert response["Upload-Offset"] == "2"

    response = client.generic(
        "POST", url, headers={**TUS, "X-HTTP-Method-Override": "HEAD"}
    )
    assert response.status_code == 200
    assert response["Upload-Offset"] == "2"

    # Only POST may be overridden, so a GET can never turn into a DELETE.
    response = client.get(url, headers={**TUS, "X-HTTP-Method-Override": "DELETE"})
    assert_error(response, 405)

    response = client.generic(
        "POST", url, headers={**TUS, "X-HTTP-Method-Override": "DELETE"}
    )
    assert response.status_code == 204
    assert_error(head(client, url), 404)


def test_bad_metadata_is_refused(producer, staging_dir):
    client = token_client(producer)
    assert_error(create(client, 10, metadata="filename %%%"), 400)
    assert_error(create(client, 10, metadata=f"title {b64('题' * 256)}"), 400)
    assert_error(create(client, 10, metadata=f"collection {b64('999999')}"), 400)
    assert not list(staging_dir.glob("*"))


def test_collection_from_metadata(producer, staging_dir):
    client = token_client(producer)
    root = Collection.get_first_root_node()
    collection = root.add_child(name="百嘎丽带你看非遗里的科普")
    data = os.urandom(64)
    url = create_url(
        client, len(data), metadata=f"collection {b64(str(collection.pk))}"
    )

    response = patch(client, url, data, 0)

    assert response.status_code == 204
    assert MediaAsset.objects.get(pk=response["X-Media-Asset-Id"]).collection == (
        collection
    )


def test_a_concurrent_patch_is_told_to_wait(producer, staging_dir):
    client = token_client(producer)
    url = create_url(client, 10)
    started = time.monotonic()

    with staging.upload_locked(upload_id(url), owner_id=producer.pk, timeout=0):
        staging.LOCK_TIMEOUT_SECONDS, saved = 0.2, staging.LOCK_TIMEOUT_SECONDS
        try:
            assert_error(patch(client, url, b"x", 0), 423)
        finally:
            staging.LOCK_TIMEOUT_SECONDS = saved

    assert time.monotonic() - started < 5
    assert patch(client, url, b"x", 0).status_code == 204


def test_chunks_are_streamed_not_read_into_memory(producer, staging_dir, settings):
    # request.body would raise RequestDataTooBig above this size; the upload
    # views must stream the body instead.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = token_client(producer)
    data = os.urandom(3 * MiB + 17)
    url = create_url(client, len(data) + 1)

    response = patch(client, url, data, 0)

    assert response.status_code == 204
    assert response["Upload-Offset"] == str(len(data))


# --- Checksum ------------------------------------------------------------------


def test_checksum_mismatch_discards_the_chunk(producer, staging_dir):
    client = token_client(producer)
    data = os.urandom(2000)
    url = create_url(client, len(data))

    response = patch(
        client, url, data[:1000], 0, **{"Upload-Checksum": checksum("sha256", b"no")}
    )
    assert_error(response, 460)
    assert response.reason_phrase == "Checksum Mismatch"
    assert head(client, url)["Upload-Offset"] == "0"
    assert (staging_dir / f"{upload_id(url)}.bin").stat().st_size == 0

    response = patch(
        client,
        url,
        data[:1000],
        0,
        **{"Upload-Checksum": checksum("sha1", data[:1000])},
    )
    assert response.status_code == 204
    assert response["Upload-Offset"] == "1000"

    response = patch(
        client,
        url,
        data[1000:],
        1000,
        **{"Upload-Checksum": checksum("sha256", data[1000:] + b"!")},
    )
    assert_error(response, 460)
    assert head(client, url)["Upload-Offset"] == "1000"

    response = patch(
        client,
        url,
        data[1000:],
        1000,
        **{"Upload-Checksum": checksum("sha256", data[1000:])},
    )
    assert response.status_code == 204
    asset = MediaAsset.objects.get(pk=response["X-Media-Asset-Id"])
    assert asset.sha256 == hashlib.sha256(data).hexdigest()


def test_unsupported_or_malformed_checksum_is_a_bad_request(producer, staging_dir):
    client = token_client(producer)
    url = create_url(client, 10)
    for header in ("crc32 AAAAAA==", "sha1 not-base64!", "sha256 " + b64("short")):
        response = patch(client, url, b"x", 0, **{"Upload-Checksum": header})
        assert_error(response, 400)
    assert head(client, url)["Upload-Offset"] == "0"


# --- Termination and expiration -----------------------------------------------


def test_termination(producer, staging_dir):
    client = token_client(producer)
    url = create_url(client, 100)
    assert patch(client, url, b"x" * 10, 0).status_code == 204

    response = client.delete(url, headers=TUS)

    assert response.status_code == 204
    assert response["Tus-Resumable"] == "1.0.0"
    assert_error(head(client, url), 404)
    assert_error(patch(client, url, b"x", 10), 404)
    assert not list(staging_dir.iterdir())


def test_expired_upload_is_refused_and_cleaned_up(producer, staging_dir):
    client = token_client(producer)
    stale = create_url(client, 100)
    fresh = create_url(client, 100)
    assert patch(client, stale, b"x" * 10, 0).status_code == 204
    with staging.upload_locked(upload_id(stale), owner_id=producer.pk) as upload:
        upload.state.expires_at = timezone.now() - dt.timedelta(seconds=1)
        upload.save()

    assert_error(head(client, stale), 410)
    assert_error(patch(client, stale, b"x", 10), 410)
    assert staging.uploads_expire() == 1

    assert not list(staging_dir.glob(f"{upload_id(stale)}*"))
    assert_error(head(client, stale), 404)
    assert head(client, fresh).status_code == 200
    assert staging.uploads_expire() == 0


def test_expiry_removes_leftovers_of_crashes(producer, staging_dir):
    staging.staging_dir()
    orphan = staging_dir / f"{uuid.uuid4().hex}.bin"
    orphan.write_bytes(b"x")
    temporary = staging_dir / f".{uuid.uuid4().hex}.abc.tmp"
    temporary.write_text("{")
    old = time.time() - 3 * 24 * 3600
    for path in (orphan, temporary):
        os.utime(path, (old, old))

    assert staging.uploads_expire() == 1
    assert not list(staging_dir.iterdir())


# --- Authentication and permissions -------------------------------------------


def test_unauthenticated_is_401(client, staging_dir):
    response = create(client, 10)
    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_and_revoked_tokens_are_401(producer, staging_dir):
    token, plaintext = APIToken.create_token(user=producer, name="script")
    client = Client(headers={"Authorization": f"Bearer {plaintext}"})
    url = create_url(client, 10)

    token.revoke()

    assert_error(create(client, 10), 401)
    assert_error(head(client, url), 401)
    forged = Client(headers={"Authorization": f"Bearer {APIToken.generate_token()}"})
    assert_error(create(forged, 10), 401)
    assert_error(create(Client(headers={"Authorization": "Basic eDp5"}), 10), 401)


def test_token_outranks_a_session(producer, reviewer, staging_dir):
    client = token_client(reviewer)
    client.force_login(producer)
    assert_error(create(client, 10), 403)


def test_user_without_permission_is_403(reviewer, staging_dir):
    assert_error(create(token_client(reviewer), 10), 403)
    client = Client()
    client.force_login(reviewer)
    assert_error(create(client, 10), 403)


def test_session_needs_the_csrf_token(producer, staging_dir):
    client = Client(enforce_csrf_checks=True)
    client.force_login(producer)

    assert_error(create(client, 10), 403)

    csrf_token = get_random_string(32, CSRF_ALLOWED_CHARS)
    client.cookies["csrftoken"] = csrf_token
    response = create(client, 10, **{"X-CSRFToken": csrf_token})
    assert response.status_code == 201
    url = urlsplit(response["Location"]).path
    # Reading needs no CSRF token; writing does.
    assert head(client, url).status_code == 200
    assert_error(patch(client, url, b"x", 0), 403)
    response = patch(client, url, b"x", 0, **{"X-CSRFToken": csrf_token})
    assert response.status_code == 204


def test_token_requests_need_no_csrf_token(producer, staging_dir):
    _token, plaintext = APIToken.create_token(user=producer, name="script")
    client = Client(
        enforce_csrf_checks=True, headers={"Authorization": f"Bearer {plaintext}"}
    )
    url = create_url(client, 10)
    assert patch(client, url, b"x", 0).status_code == 204


def test_another_users_upload_is_not_found(producer, editor, staging_dir):
    url = create_url(token_client(producer), 10)
    other = token_client(editor)

    assert_error(head(other, url), 404)
    assert_error(patch(other, url, b"x", 0), 404)
    assert_error(other.delete(url, headers=TUS), 404)
    assert head(token_client(producer), url).status_code == 200


def test_size_limits(producer, staging_dir, settings):
    settings.MEDIA_UPLOAD_MAX_BYTES = 1000
    client = token_client(producer)

    assert_error(create(client, 1001), 413)
    assert_error(create(client, 0), 400)
    assert_error(create(client, -1), 400)
    assert_error(client.generic("POST", ENDPOINT, headers=TUS), 400)
    assert create(client, 1000).status_code == 201


@pytest.mark.parametrize(
    "bad_id",
    [
        "not-an-id",
        uuid.uuid4().hex.upper(),
        str(uuid.uuid4()),
        "g" * 32,
        "a" * 33,
        "..",
    ],
)
def test_bad_upload_id_is_404(producer, staging_dir, bad_id):
    client = token_client(producer)
    url = f"{ENDPOINT}{bad_id}/"
    assert_error(head(client, url), 404)
    assert_error(patch(client, url, b"x", 0), 404)
    assert_error(client.delete(url, headers=TUS), 404)


# --- Duplicates ----------------------------------------------------------------


def test_the_same_bytes_twice_are_one_asset(producer, staging_dir):
    client = token_client(producer)
    data = os.urandom(4096)
    first = create_url(client, len(data))
    response = patch(client, first, data, 0)
    assert response.status_code == 204
    existing_id = int(response["X-Media-Asset-Id"])

    second = create_url(client, len(data))
    assert patch(client, second, data[:100], 0).status_code == 204
    response = patch(client, second, data[100:], 100)

    body = assert_error(response, 409)
    assert body["existing_id"] == existing_id
    assert MediaAsset.objects.count() == 1
    assert not list(staging_dir.glob("*.bin"))
    # A client that lost that answer gets it again.
    response = client.patch(
        second,
        headers={**TUS, "Upload-Offset": str(len(data))},
        CONTENT_TYPE=CHUNK,
    )
    assert assert_error(response, 409) == body
    assert head(client, second).status_code == 409


# --- A real tus client against a live server -----------------------------------


def send_broken_chunk(url: str, token: str, offset: int, data: bytes, declared: int):
    """A PATCH whose connection drops after ``data``, of ``declared`` bytes."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.putrequest("PATCH", parts.path)
    for name, value in {
        **TUS,
        "Authorization": f"Bearer {token}",
        "Upload-Offset": str(offset),
        "Content-Type": CHUNK,
        "Content-Length": str(declared),
    }.items():
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(data)
    connection.close()


def server_offset(url: str, token: str) -> int:
    response = requests.head(
        url, headers={**TUS, "Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200, response.headers
    return int(response.headers["Upload-Offset"])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_tuspy_resumes_an_interrupted_upload(live_server, staging_dir, tmp_path):
    producer = make_user("tus-producer", groups=["制片"])
    _token, token = APIToken.create_token(user=producer, name="tus live test")
    data = os.urandom(5 * MiB + 12345)
    path = tmp_path / "programme.mp4"
    path.write_bytes(data)
    endpoint = live_server.url + ENDPOINT
    metadata = {"filename": "科普开讲.mp4", "title": "百嘎丽科普开讲 第1期"}

    # tuspy leaks the files it opens itself, so it is given open streams.
    with open(path, "rb") as stream:
        client = TusClient(endpoint, headers={"Authorization": f"Bearer {token}"})
        uploader = client.uploader(
            file_stream=stream,
            chunk_size=MiB,
            metadata=metadata,
            upload_checksum=True,
        )
        uploader.upload(stop_at=2 * MiB)
    url = uploader.url
    assert server_offset(url, token) == 2 * MiB

    # The connection breaks in the middle of the next chunk: what arrived is
    # kept (the chunk had no checksum), so the offset is no longer a whole
    # number of chunks.
    partial = 300_001
    send_broken_chunk(url, token, 2 * MiB, data[2 * MiB : 2 * MiB + partial], MiB)
    deadline = time.monotonic() + 20
    while server_offset(url, token) == 2 * MiB and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server_offset(url, token) == 2 * MiB + partial
    assert not MediaAsset.objects.exists()

    # A new client, as after a restart: it asks the server where to go on.
    with open(path, "rb") as stream:
        resumed = TusClient(endpoint, headers={"Authorization": f"Bearer {token}"})
        uploader = resumed.uploader(
            file_stream=stream,
            url=url,
            chunk_size=MiB,
            metadata=metadata,
            upload_checksum=True,
        )
        assert uploader.offset == 2 * MiB + partial
        uploader.upload()

    asset_id = uploader.request.response_headers["x-media-asset-id"]
    asset = MediaAsset.objects.get(pk=asset_id)
    expected = hashlib.sha256(data).hexdigest()
    assert asset.sha256 == expected
    assert asset.size == len(data)
    assert asset.title == metadata["title"]
    assert asset.original_filename == metadata["filename"]
    assert asset.uploaded_by == producer
    stored = hashlib.sha256()
    with asset.original.open("rb") as stream:
        while chunk := stream.read(MiB):
            stored.update(chunk)
    assert stored.hexdigest() == expected

    response = requests.head(
        url, headers={**TUS, "Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200
    assert response.headers["X-Media-Asset-Id"] == str(asset.pk)
    assert not list(staging_dir.glob("*.bin"))


# --- Quotas: open uploads count together ---------------------------------------
# Against the user's quota and the staging disk, not each on its own: a
# refusal is a 413 or 507 with a reason in Chinese, and the uploads already
# under way are untouched.

DiskUsage = collections.namedtuple("DiskUsage", "total used free")


def offset(client, url) -> int:
    response = head(client, url)
    assert response.status_code == 200
    return int(response["Upload-Offset"])


def test_open_uploads_count_against_the_users_quota(producer, staging_dir, settings):
    settings.MEDIA_UPLOAD_USER_QUOTA_BYTES = 1000
    client = token_client(producer)
    first = create_url(client, 600)
    assert patch(client, first, b"a" * 100, 0).status_code == 204

    body = assert_error(create(client, 500), 413)

    assert "上限" in body["error"] and "其他上传" in body["error"]
    # The refusal harmed nothing: the open upload goes on from where it was.
    assert offset(client, first) == 100
    assert patch(client, first, b"b" * 100, 100).status_code == 204
    assert (staging_dir / f"{upload_id(first)}.bin").read_bytes() == (
        b"a" * 100 + b"b" * 100
    )
    # Within what is left, and for someone else, uploads are still created.
    assert create(client, 400).status_code == 201
    other = token_client(make_user("producer2", groups=["制片"]))
    assert create(other, 900).status_code == 201


def test_finished_terminated_and_expired_uploads_free_the_quota(
    producer, staging_dir, settings
):
    settings.MEDIA_UPLOAD_USER_QUOTA_BYTES = 1000
    client = token_client(producer)
    terminated = create_url(client, 600)
    assert_error(create(client, 600), 413)

    assert client.delete(terminated, headers=TUS).status_code == 204
    expiring = create_url(client, 600)
    with staging.upload_locked(upload_id(expiring), owner_id=producer.pk) as upload:
        upload.state.expires_at = timezone.now() - dt.timedelta(seconds=1)
        upload.save()

    assert create(client, 1000).status_code == 201


def test_open_uploads_count_against_the_free_disk(
    producer, staging_dir, settings, monkeypatch
):
    settings.MEDIA_UPLOAD_MIN_FREE_BYTES = 100
    monkeypatch.setattr(
        staging.shutil, "disk_usage", lambda path: DiskUsage(10_000, 9_000, 1_000)
    )
    client = token_client(producer)
    first = create_url(client, 800)
    assert patch(client, first, b"x" * 300, 0).status_code == 204

    # 1000 free, 500 still to come for the first upload, 100 kept free.
    body = assert_error(create(client, 401), 507)
    assert "暂存空间不足" in body["error"]
    other = token_client(make_user("producer2", groups=["制片"]))
    assert_error(create(other, 401), 507)

    assert create(client, 400).status_code == 201
    assert offset(client, first) == 300
    assert patch(client, first, b"y" * 100, 300).status_code == 204
