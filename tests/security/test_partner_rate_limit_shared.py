"""The partner API's rate limit holds across web processes when they share a
cache: two real servers (gunicorn) on one test database and one Redis,
requests alternating between them, and the limit is reached across both.

Redis is 127.0.0.1:6379, database 14; without it the test is skipped on a
developer's machine and fails in CI (CI=true), which starts Redis.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT_DIR = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)
REDIS_URL = "redis://127.0.0.1:6379/14"
LIMIT = 5
# An hour, so that the fixed window cannot roll over during the test.
WINDOW = 3600


def redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``gunicorn cms.wsgi`` in its own process, on the test database."""

    def __init__(self, name: str, environment: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(settings.VAR_DIR) / f"gunicorn-{name}.log"
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "cms.wsgi:application"),
                    *("--bind", f"127.0.0.1:{self.port}", "--workers", "1"),
                    *("--timeout", "60"),
                ],
                cwd=PROJECT_DIR,
                env={**os.environ, **environment},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_until_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_path.read_text()}")
            try:
                urllib.request.urlopen(
                    f"{self.url}/api/partner/v1/openapi.json", timeout=5
                ).close()
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        raise RuntimeError(f"server not ready:\n{self.log_path.read_text()}")

    def get(self, path: str, key: str):
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"Bearer {key}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def two_servers(transactional_db):
    if not redis_reachable():
        reason = f"Redis is not reachable on {REDIS[0]}:{REDIS[1]}"
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail(reason, pytrace=False)
        pytest.skip(f"{reason}: start it (`redis-server`) to run this test")
    environment = {
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "CMS_TEST_DATABASE_NAME": str(connection.settings_dict["NAME"]),
        "VAR_DIR": str(settings.VAR_DIR),
        "CMS_TEST_CACHE_URL": REDIS_URL,
        "PARTNER_API_RATE_LIMIT": str(LIMIT),
        "PARTNER_API_RATE_WINDOW": str(WINDOW),
    }
    servers = [Server("a", environment), Server("b", environment)]
    try:
        for server in servers:
            server.wait_until_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()


def test_the_limit_is_counted_across_two_server_processes(two_servers):
    from syndication.keys import partner_key_create
    from syndication.models import PartnerAccount, Platform

    platform = Platform.objects.create(name="限流测试平台", slug="rate-limit-test")
    partner = PartnerAccount.objects.create(name="限流测试合作方", platform=platform)
    _key, plaintext = partner_key_create(partner=partner)

    answers = []
    for number in range(LIMIT + 3):
        server = two_servers[number % 2]
        status, headers, body = server.get("/api/partner/v1/items", plaintext)
        answers.append((server, status, headers, body))

    allowed, refused = answers[:LIMIT], answers[LIMIT:]
    for number, (_server, status, headers, body) in enumerate(allowed):
        assert status == 200, body
        assert headers["X-RateLimit-Limit"] == str(LIMIT)
        # One count for both processes: each request sees the other's.
        assert headers["X-RateLimit-Remaining"] == str(LIMIT - 1 - number)
    for _server, status, headers, body in refused:
        assert status == 429, body
        assert headers["X-RateLimit-Limit"] == str(LIMIT)
        assert headers["X-RateLimit-Remaining"] == "0"
        assert int(headers["X-RateLimit-Reset"]) > time.time()
        assert 0 < int(headers["Retry-After"]) <= WINDOW
        assert "请求过于频繁" in json.loads(body)["detail"]
    # Both processes answered, and both refused once the shared count was up.
    assert {id(server) for server, *_ in allowed} == {id(s) for s in two_servers}
    assert {id(server) for server, *_ in refused} == {id(s) for s in two_servers}
