"""Browser tests: Playwright driving the system Chromium.

Nothing is downloaded: `playwright install` is never run, the browser is the
Debian package `chromium` (/usr/bin/chromium), which `scripts/setup.sh`
installs. Without it the tests are skipped on a developer's machine and fail
in CI (CI=true), where a skipped browser test would hide a broken front end.

`site` serves a page, static files and canned server answers at a made-up
origin through Playwright's request interception, so a test needs no web
server; static files are looked up with Django's staticfiles finders, i.e.
exactly the files `{% static %}` names.
"""

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ORIGIN = "http://baigali.test"


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="package")
def browser():
    """The system Chromium, headless, shared by the tests of this folder.

    Playwright's synchronous API keeps an asyncio event loop running in the
    test thread, which makes Django refuse database access ("You cannot call
    this from an async context"), although nothing here is asynchronous. So
    that check is switched off while the browser runs, Django's connections
    are kept as they are outside an event loop (see
    `keep_database_connections_per_thread`), and the browser is stopped when
    this folder is done: the rest of the suite keeps the check.
    """
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        reason = (
            f"{CHROMIUM} is missing: the browser tests need the Debian package "
            "chromium (`sudo apt-get install -y chromium`, or run "
            "`bash scripts/setup.sh` as root)"
        )
        if running_in_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        keep_database_connections_per_thread(patch)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield browser
            finally:
                browser.close()


def keep_database_connections_per_thread(patch: pytest.MonkeyPatch) -> None:
    """Keep each thread on the connection objects it had before the browser.

    Django keeps its connections in an asgiref ``Local`` which is a plain
    thread-local only while no event loop runs in the thread; once one runs,
    as Playwright's does, it switches to context-variable storage, that is to
    other connection objects. What pytest-django put on the thread's
    connection would then be out of reach: above all the serialized test
    database of ``serialized_rollback=True``, which would silently restore
    nothing after a flush (no groups, no root page or collection). So while
    the browser runs, the connections are a plain thread-local holding the
    objects the thread already had; other threads (``live_server``) get their
    own, as always.
    """
    from django.db import connections

    per_thread = threading.local()
    for alias in connections:
        setattr(per_thread, alias, connections[alias])
    patch.setattr(connections, "_connections", per_thread)


@pytest.fixture
def page(browser):
    """A fresh page in its own context (own localStorage), Chinese locale.

    Uncaught script errors are collected in ``page.script_errors``; a test
    that ends with any fails, since a broken script is exactly what these
    tests are here to catch.
    """
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.script_errors = []
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    yield page
    errors = list(page.script_errors)
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


Handler = Callable[..., None]


class FakeSite:
    """Answers every request to ORIGIN: pages, static files, canned handlers.

    Anything not registered gets a 404, so a page cannot quietly depend on a
    file the test did not mean to serve.
    """

    def __init__(self, page):
        self.page = page
        self.files: dict[str, tuple[Path, str]] = {}
        self.pages: dict[str, str] = {}
        self.handlers: dict[str, Handler] = {}
        self.requests: list = []
        page.route(f"{ORIGIN}/**", self._handle)

    def url(self, path: str) -> str:
        return ORIGIN + path

    def add_page(self, path: str, html: str) -> str:
        self.pages[path] = html
        return self.url(path)

    def add_file(self, path: str, file: Path, content_type: str = "") -> None:
        self.files[path] = (Path(file), content_type)

    def add_static(self, name: str) -> str:
        """Serve a static file, as `{% static name %}` would; its URL path."""
        from django.contrib.staticfiles import finders

        found = finders.find(name)
        assert found, (
            f"static file {name!r} not found; the vendor files come from "
            "`bash scripts/setup.sh` (npm ci, then scripts/build_frontend.sh)"
        )
        path = f"/static/{name}"
        self.add_file(path, Path(found))
        return path

    def add_handler(self, prefix: str, handler: Handler) -> None:
        """``handler(route, request, path)`` answers paths under ``prefix``."""
        self.handlers[prefix] = handler

    def _handle(self, route, request) -> None:
        path = "/" + request.url.removeprefix(ORIGIN).lstrip("/")
        self.requests.append(request)
        bare = path.split("?", 1)[0]
        if bare in self.pages:
            route.fulfill(
                status=200,
                content_type="text/html; charset=utf-8",
                body=self.pages[bare],
            )
            return
        if bare in self.files:
            file, content_type = self.files[bare]
            headers = {"Content-Type": content_type} if content_type else {}
            route.fulfill(status=200, path=str(file), headers=headers or None)
            return
        for prefix in sorted(self.handlers, key=len, reverse=True):
            if bare.startswith(prefix):
                self.handlers[prefix](route, request, path)
                return
        route.fulfill(status=404, content_type="text/plain", body="not found")


@pytest.fixture
def site(page) -> Iterator[FakeSite]:
    yield FakeSite(page)
