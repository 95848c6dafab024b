"""The browser fixtures of tests/browser (the system Chromium), for the CSP
pass here."""

from tests.browser.conftest import browser, page  # noqa: F401
