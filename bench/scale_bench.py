"""The scale proof's speed half: seven pages at 100 and at 3,400 items.

A synthetic catalogue (``bench.catalogue_scale``: episodes, short videos and
music works in the issue's 2,000 : 1,200 : 200 proportions, with assets and
deliveries) of 100 items is generated and each page timed; 3,300 more items
are added beside it and the same pages timed again, the explorer and the
public programme page now those of the larger catalogue's programme (1,941
episodes). Requests go through Django's test client in a process of their
own, started after each size is generated, against the run's database; each
page is warmed once, then requested ``requests`` times, round after round in
rotating order. The row's target is p95 at 3,400 ÷ p95 at 100 ≤ 1.5, judged
on the page that grows most.

A server does not hold the generator's objects (some 470,000 after 3,300
items); timed in the generating process, every page, whatever its work,
came out 20–40 % slower at 3,400 on CPU time alone.

    .venv/bin/python -m bench.run --skip-pipeline --skip-upload --skip-api \\
        --skip-search
"""

from __future__ import annotations

import gc
import math
import multiprocessing
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


def _time_pages_in_fresh_process(catalogue, *, requests: int, log) -> tuple:
    """_time_pages in a new interpreter (spawned: a fork would inherit the
    generator's heap) on the same settings and database; the parent's log
    gets the lines the child would have written."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        walls, cpus, lines = pool.apply(_timing_process, (asdict(catalogue), requests))
    for line in lines:
        log(line)
    return walls, cpus


def _timing_process(catalogue_fields: dict, requests: int) -> tuple:
    """The child's side: Django set up from the environment the parent
    configured (no migration: the database is there), the two clients, the
    timing; the partner API's fetch records written before the pool ends
    this process (its exit handlers do not run)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from syndication.fetch_records import fetch_buffer

    from .catalogue_scale import Catalogue

    setup_test_environment()  # the test client's host, as in a test
    admin = Client()
    admin.force_login(get_user_model().objects.get(username=ADMIN_USERNAME))
    public = Client()
    lines = []
    walls, cpus = _time_pages(
        Catalogue(**catalogue_fields),
        admin,
        public,
        requests=requests,
        log=lines.append,
    )
    fetch_buffer.flush()
    return walls, cpus, lines


def _time_pages(catalogue, admin, public, *, requests: int, log) -> dict:
    from .timing import rotated

    urls = _urls(catalogue)
    samples = {name: [] for name in PAGES}
    cpu_samples = {name: [] for name in PAGES}

    def client(name):
        return public if name in PUBLIC_PAGES else admin

    for name in PAGES:  # warm-up, and a check that every page answers
        url, extra = urls[name]
        response = client(name).get(url, **extra)
        if response.status_code != 200:
            raise RuntimeError(f"{name}: {url} answered {response.status_code}")
    for round_index in range(requests):
        for name in rotated(PAGES, round_index):
            url, extra = urls[name]
            if name == "partner items":
                _forget_partner_pages()
            # What the process holds so far (the generator's leftovers, what
            # the test client keeps) is set aside from the collector: a full
            # collection over it, a second and more at 3,400 items, would be
            # charged to whichever page it fell in. The request's own garbage
            # is still collected, and timed.
            gc.freeze()
            start, cpu_start = time.perf_counter(), time.thread_time()
            client(name).get(url, **extra)
            samples[name].append((time.perf_counter() - start) * 1000)
            cpu_samples[name].append((time.thread_time() - cpu_start) * 1000)
    for name in PAGES:
        log(
            f"    {name:<18} p95 {percentile(samples[name], 0.95):8.1f} ms, "
            f"CPU p95 {percentile(cpu_samples[name], 0.95):8.1f} ms"
        )
    return samples, cpu_samples


def run(*, requests: int, log) -> ScaleResults:
    from django.contrib.auth import get_user_model

    from .catalogue_scale import generate
    from .machine import own_cpu_seconds, system_busy_seconds
    from .timing import CORES

    get_user_model().objects.create_superuser(ADMIN_USERNAME, "", ADMIN_USERNAME)
    results = ScaleResults(requests=requests)
    busy, own, wall_start = system_busy_seconds(), own_cpu_seconds(), time.monotonic()
    added = 0
    for size in (SMALL, LARGE):
        log(f"  generating {size - added} items (catalogue of {size})")
        start = time.monotonic()
        catalogue = generate(size - added, log=log)
        added = size
        results.generate_seconds[str(size)] = time.monotonic() - start
        log(
            f"  timing the {len(PAGES)} pages at {size} items, {requests} requests each"
        )
        walls, cpus = _time_pages_in_fresh_process(
            catalogue, requests=requests, log=log
        )
        results.samples_ms[str(size)] = walls
        results.cpu_samples_ms[str(size)] = cpus
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
