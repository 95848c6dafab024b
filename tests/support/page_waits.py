"""Waiting on a page that enforces our Content-Security-Policy.

Playwright's ``wait_for_function`` evaluates its predicate as a string inside
the page, which the policy rightly refuses ('unsafe-eval' is never allowed).
``Locator.evaluate`` calls a function through the DevTools protocol instead,
which no policy blocks; so the predicate is polled from here.
"""

import time

from playwright.sync_api import Error as PlaywrightError

# A page that reloads itself (the media detail page does once the asset is
# ready) can destroy the context between two polls; the next poll asks the
# new document, so these are waited out rather than failed on.
_NAVIGATION_ERROR = "Execution context was destroyed"


def wait_until(locator, script: str, *, timeout: float = 30) -> None:
    """Poll ``script`` (a function of the element) until it is truthy."""
    deadline = time.monotonic() + timeout
    while not _evaluate_across_navigation(locator, script, deadline):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {script}")
        time.sleep(0.1)


def _evaluate_across_navigation(locator, script: str, deadline: float):
    remaining_ms = max(1_000, (deadline - time.monotonic()) * 1000)
    try:
        return locator.evaluate(script, timeout=remaining_ms)
    except PlaywrightError as error:
        if _NAVIGATION_ERROR not in str(error):
            raise
        return False
