"""The scale proof's speed half: seven pages at 100 and at 3,400 items.

A synthetic catalogue (``bench.catalogue_scale``: episodes, short videos and
music works in the issue's 2,000 : 1,200 : 200 proportions, with assets and
deliveries) of 100 items is generated; its database is copied, and 3,300
more items are generated into the copy beside them, the explorer and the
public programme page there those of the larger catalogue's programme (1,941
episodes). Each database's pages are requested through Django's test client
in a process of its own (a server does not hold the generator's some 470,000
objects; timed in the generating process, every page, whatever its work,
came out 20–40 % slower at 3,400 on CPU time alone). Each page is warmed
once, then requested ``requests`` times, round after round in rotating
order, the two catalogues' rounds alternating: a change in the machine's
speed during the run falls on both sizes alike. The row's target is p95 at
3,400 ÷ p95 at 100 ≤ 1.5, judged on the page that grows most.

    .venv/bin/python -m bench.run --skip-pipeline --skip-upload --skip-api \\
        --skip-search
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import time
from dataclasses import asdict, dataclass, field

from .search_bench import percentile

SMALL = 100
LARGE = 3_400
PAGES = (
    "admin explorer",
    "media library",
    "delivery ledger",
    "partner items",
    "public programme",
    "admin search",
    "public search",
)
# Read by the anonymous client; the rest by a signed-in superuser.
PUBLIC_PAGES = {"partner items", "public programme", "public search"}


@dataclass
class ScaleResults:
    requests: int
    generate_seconds: dict[str, float] = field(default_factory=dict)
    # size → page → samples (ms)
    samples_ms: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    # the same, in CPU time of the thread that served the request (the test
    # client runs the request, SQLite included, in this thread): what the
    # neighbours on a shared machine take from the wall time, it leaves out
    cpu_samples_ms: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    contention: float = 0.0

    def p95(self, size: int, page: str) -> float:
        return percentile(self.samples_ms[str(size)][page], 0.95)

    def ratio(self, page: str) -> float:
        small = self.p95(SMALL, page)
        return self.p95(LARGE, page) / small if small else math.nan

    def cpu_p95(self, size: int, page: str) -> float:
        return percentile(self.cpu_samples_ms[str(size)][page], 0.95)

    def cpu_ratio(self, page: str) -> float:
        small = self.cpu_p95(SMALL, page)
        return self.cpu_p95(LARGE, page) / small if small else math.nan


def _urls(catalogue) -> dict[str, tuple[str, dict]]:
    from wagtail.models import Page

    partner = {"HTTP_AUTHORIZATION": f"Bearer {catalogue.partner_key}"}
    return {
        "admin explorer": (f"/admin/pages/{catalogue.programme_id}/", {}),
        "media library": ("/admin/media/", {}),
        "delivery ledger": ("/admin/syndication/deliveries/", {}),
        "partner items": ("/api/partner/v1/items?limit=50", partner),
        "public programme": (Page.objects.get(pk=catalogue.programme_id).url, {}),
        "admin search": ("/admin/pages/search/?q=草方格", {}),
        "public search": ("/search/?q=草方格", {}),
    }


def _forget_partner_pages() -> None:
    """The partner API keeps whole pages (in the process and in the cache):
    timed from a kept page, its items page would say nothing of the catalogue
    behind it. Emptied before each of its requests, outside the timing."""
    from django.core.cache import caches

    from syndication.page_cache import PROCESS_PAGES

    caches["default"].clear()
    PROCESS_PAGES.clear()


ADMIN_USERNAME = "scale-bench"


class PageTimer:
    """One catalogue's pages, timed in a process of their own on that
    catalogue's database: spawned, not forked (a fork would inherit the
    generator's heap), so it holds what a server would hold."""

    def __init__(self, database_url: str, catalogue):
        context = multiprocessing.get_context("spawn")
        self.pool = context.Pool(
            1, initializer=_timer_start, initargs=(database_url, asdict(catalogue))
        )
        self.pool.apply(_timer_warm)

    def round(self, round_index: int) -> dict[str, tuple[float, float]]:
        return self.pool.apply(_timer_round, (round_index,))

    def close(self) -> None:
        # The pool ends its process without its exit handlers: the partner
        # API's fetch records are written first.
        self.pool.apply(_timer_finish)
        self.pool.terminate()
        self.pool.join()


#: The timing process's clients and URLs (set by _timer_start).
_timer: dict = {}


def _timer_start(database_url: str, catalogue_fields: dict) -> None:
    # The settings read the database from the environment when Django is
    # set up, in this process only.
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from .catalogue_scale import Catalogue

    setup_test_environment()  # the test client's host, as in a test
    admin = Client()
    admin.force_login(get_user_model().objects.get(username=ADMIN_USERNAME))
    _timer.update(
        admin=admin,
        public=Client(),
        urls=_urls(Catalogue(**catalogue_fields)),
    )


def _timer_client(name: str):
    return _timer["public"] if name in PUBLIC_PAGES else _timer["admin"]


def _timer_warm() -> None:
    """Each page once, untimed, and a check that every page answers."""
    for name in PAGES:
        url, extra = _timer["urls"][name]
        response = _timer_client(name).get(url, **extra)
        if response.status_code != 200:
            raise RuntimeError(f"{name}: {url} answered {response.status_code}")


def _timer_round(round_index: int) -> dict[str, tuple[float, float]]:
    """Every page once, in this round's order: wall and CPU milliseconds."""
    from .timing import rotated

    timed = {}
    for name in rotated(PAGES, round_index):
        url, extra = _timer["urls"][name]
        if name == "partner items":
            _forget_partner_pages()
        # What the process holds so far (what the test client keeps) is set
        # aside from the collector; the request's own garbage is still
        # collected, and timed.
        gc.freeze()
        start, cpu_start = time.perf_counter(), time.thread_time()
        _timer_client(name).get(url, **extra)
        timed[name] = (
            (time.perf_counter() - start) * 1000,
            (time.thread_time() - cpu_start) * 1000,
        )
    return timed


def _timer_finish() -> None:
    from syndication.fetch_records import fetch_buffer

    fetch_buffer.flush()


def run(*, requests: int, log) -> ScaleResults:
    """Both catalogues side by side: the small one's database is copied
    before the large one is generated into the copy, and the two are timed
    round after round, alternately, so that a change in the machine's speed
    during the run falls on both (timed one after the other, the pages of
    constant work measured anything from 0.8 to 1.6 apart)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from . import environment
    from .catalogue_scale import generate
    from .machine import own_cpu_seconds, system_busy_seconds
    from .timing import CORES, rotated

    get_user_model().objects.create_superuser(ADMIN_USERNAME, "", ADMIN_USERNAME)
    results = ScaleResults(requests=requests)
    busy, own, wall_start = system_busy_seconds(), own_cpu_seconds(), time.monotonic()
    log(f"  generating {SMALL} items")
    start = time.monotonic()
    catalogues = {SMALL: generate(SMALL, log=log)}
    results.generate_seconds[str(SMALL)] = time.monotonic() - start
    urls = {SMALL: os.environ["DATABASE_URL"]}
    connection.close()
    urls[LARGE] = environment.database_copy(urls[SMALL])
    connection.settings_dict["NAME"] = environment.database_name(urls[LARGE])
    log(f"  generating {LARGE - SMALL} more items in a copy (catalogue of {LARGE})")
    start = time.monotonic()
    catalogues[LARGE] = generate(LARGE - SMALL, log=log)
    results.generate_seconds[str(LARGE)] = time.monotonic() - start
    connection.close()

    log(
        f"  timing the {len(PAGES)} pages at {SMALL} and at {LARGE} items, "
        f"alternately, {requests} requests each"
    )
    timers = {size: PageTimer(urls[size], catalogues[size]) for size in urls}
    try:
        for size in urls:
            results.samples_ms[str(size)] = {name: [] for name in PAGES}
            results.cpu_samples_ms[str(size)] = {name: [] for name in PAGES}
        for round_index in range(requests):
            for size in rotated(list(urls), round_index):
                for name, (wall, cpu) in timers[size].round(round_index).items():
                    results.samples_ms[str(size)][name].append(wall)
                    results.cpu_samples_ms[str(size)][name].append(cpu)
    finally:
        for timer in timers.values():
            timer.close()
        connection.settings_dict["NAME"] = environment.database_name(urls[SMALL])
        environment.database_copy_drop(urls[LARGE])
    for size in urls:
        for name in PAGES:
            log(
                f"    {size:>5} items  {name:<18} p95 {results.p95(size, name):8.1f} "
                f"ms, CPU p95 {results.cpu_p95(size, name):8.1f} ms"
            )
    wall = time.monotonic() - wall_start
    foreign = max(0.0, system_busy_seconds() - busy - (own_cpu_seconds() - own))
    results.contention = foreign / (wall * CORES) if wall else 0.0
    return results


def ratios(results: ScaleResults) -> dict:
    # CPU: of the thread serving each request, not of the process, whose
    # CPU time would include the generator's.
    worst = max(results.ratio(name) for name in PAGES)
    worst_cpu = max(results.cpu_ratio(name) for name in PAGES)
    return {
        "scale_p95_large_vs_small": {
            "wall": worst,
            "cpu": worst_cpu,
            "quiet_wall": None,
            "contention": results.contention,
        }
    }


def report(results: ScaleResults) -> list[str]:
    lines = [
        f"Scale: {len(PAGES)} pages at {SMALL} and at {LARGE} items (episodes, "
        f"short videos, music works 2,000 : 1,200 : 200), {results.requests} "
        "requests each",
        f"{'page':<20}{f'p95 @ {SMALL}':>14}{f'p95 @ {LARGE}':>14}{'ratio':>8}"
        f"{'CPU p95 @ 100':>16}{'@ 3,400':>11}{'ratio':>8}",
    ]
    for name in PAGES:
        lines.append(
            f"{name:<20}{results.p95(SMALL, name):>11.1f} ms"
            f"{results.p95(LARGE, name):>11.1f} ms{results.ratio(name):>8.2f}"
            f"{results.cpu_p95(SMALL, name):>13.1f} ms"
            f"{results.cpu_p95(LARGE, name):>8.1f} ms{results.cpu_ratio(name):>8.2f}"
        )
    lines.append(
        f"generated in {results.generate_seconds[str(SMALL)]:.1f} s and "
        f"{results.generate_seconds[str(LARGE)]:.1f} s; others took "
        f"{results.contention:.0%} of the CPU meanwhile"
    )
    return lines
