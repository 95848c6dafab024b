"""Waiting on a page that enforces our Content-Security-Policy.

Playwright's ``wait_for_function`` evaluates its predicate as a string inside
the page, which the policy rightly refuses ('unsafe-eval' is never allowed).
``Locator.evaluate`` calls a function through the DevTools protocol instead,
which no policy blocks; so the predicate is polled from here.
"""

import time


def wait_until(locator, script: str, *, timeout: float = 30) -> None:
    """Poll ``script`` (a function of the element) until it is truthy."""
    deadline = time.monotonic() + timeout
    while not locator.evaluate(script):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {script}")
        time.sleep(0.1)
