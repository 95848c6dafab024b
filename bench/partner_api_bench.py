"""The partner API's items endpoint against a bare Django view.

One web server process (gunicorn, one worker, keep-alive) serves
the real project and, through a bench-only URLconf (``partner_api_urls``),
``/bench/bare``: a plain ``JsonResponse`` of a page of items as big, byte for
byte, as a real page of the listing (the same data, serialised again on every
request). Both run behind the same middleware, on the same server, hit by the
same load tool: ``CONNECTIONS`` keep-alive ``http.client`` connections, one
thread each, for a fixed time per sample.

The database (the bench's own SQLite) holds ``items`` (10,000) short videos,
real published pages with a summary, two credits and two topics each,
delivered to one partner's platform, and a fifth of them to another one;
their stored items (``stored_items``) are written once after the bulk
inserts, as the store task does after each delivery in a deployment.

Three phases, each with its own server start and the bare view sampled
beside its contenders, in rotating order for several rounds:

page cache on (as deployed)

``bare``
    ``GET /bench/bare``: the same-size payload, no database, no cache.
``items_cold``
    ``GET /api/partner/v1/items`` (default page size, 50) along the listing's
    own cursors, page after page, with the partner API's caches emptied
    before every request (the bench URLconf's middleware does that when it
    sees ``X-Bench-Cold``): key lookup, the rows query with the items'
    stored JSON, page kept, fetch recorded. What the first walk after a
    deploy, or after the caches expired, costs.
``items_cached``
    The same walk, the pages already in the page cache (after a warm-up
    walk): what a partner asking again for pages that did not change gets.
``items_304``
    The same walk with ``If-None-Match`` carrying each page's ETag: answered
    ``304 Not Modified`` without a body. Compared with ``bare`` answering its
    full 200: the ratio says how a revalidation compares with the cheapest
    full answer of the same size.

page cache off (``PARTNER_API_PAGE_CACHE_SECONDS = 0``)

``bare_2``
    ``bare`` again, beside:
``items_built``
    The same walk, every page made from the database on every request (key,
    version, rows query with the stored items, page, ETag): no cache at all,
    as when any delivery of the platform has changed since the page was kept.

page cache off, nothing stored (``PARTNER_API_STORED_ITEMS = False``)

``bare_3``
    ``bare`` again, beside:
``items_unstored_cold``
    The cold walk with every item built from its page, credits and topics
    and serialised: what a page would cost without stored items, or for an
    item whose stored JSON no longer holds (until its task has run).

A contender's number is its requests per second over the sample (every
answer must have the expected status, or the bench fails); the server's CPU
time per request is recorded too, a steadier measure on a shared machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from .environment import PROJECT_DIR
from .machine import CLOCK_TICKS, own_cpu_seconds, system_busy_seconds
from .timing import CORES, DISTURBED, median, rotated, wait_for_quiet
from .upload_memory_bench import free_port

ITEMS_PATH = "/api/partner/v1/items"
BARE_PATH = "/bench/bare"
SETTINGS_MODULE = "bench.partner_api_settings"
CONNECTIONS = 4
#: One thread: the GIL runs one request's Python at a time anyway, and more
#: threads only add switches between requests that hold it (see
#: BENCHMARKS.md); ``--api-threads`` sets another number.
SERVER_THREADS = 1
CONN_MAX_AGE = 600
READY_TIMEOUT_SECONDS = 90

BARE = "bare"
COLD = "items_cold"
CACHED = "items_cached"
NOT_MODIFIED = "items_304"
BARE_BUILT = "bare_2"
BUILT = "items_built"
BARE_UNSTORED = "bare_3"
UNSTORED_COLD = "items_unstored_cold"
STATIC_FILE = "static_file"
MEDIA_SEGMENT = "media_segment"
STATIC_PATH = "/bench/static/"
#: A segment of about the size the ladder writes for 6 s of 360p.
SEGMENT_BYTES = 256 * 1024
CONTENDERS = (
    BARE,
    COLD,
    CACHED,
    NOT_MODIFIED,
    BARE_BUILT,
    BUILT,
    BARE_UNSTORED,
    UNSTORED_COLD,
    STATIC_FILE,
    MEDIA_SEGMENT,
)

SUMMARY = (
    "第{n}集从鄂尔多斯的风沙说起：为什么沙丘会移动，草方格如何把流沙固定下来，"
    "科研人员又是怎样用卫星和无人机监测植被的恢复。"
)
TITLE = "百嘎丽科普短视频 第{n}集：沙漠里的科学"
PEOPLE = ("陈思源", "其木格", "王晓东", "乌云娜")
TOPICS = ("治沙", "生态", "遥感", "草原", "科普")


# --- data --------------------------------------------------------------------


def _add_child(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def populate(*, items: int, other_platform_share: float = 0.2) -> dict:
    """``items`` short videos delivered to the kepu-china platform (and the
    first fifth of them to yunshang-kepu as well), in bulk: a few seconds.

    The pages are real ShortVideoPage rows under a real series, published,
    with credits and topics, inserted with bulk queries rather than one
    ``add_child`` each (10,000 of those would take minutes)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone
    from taggit.models import Tag
    from wagtail.models import Locale, Page

    from cms.people.models import Person
    from cms.videos.models import (
        ShortVideoCredit,
        ShortVideoPage,
        ShortVideoTopic,
        VideoIndexPage,
        VideoSeriesPage,
    )
    from media_pipeline.models import MediaAsset, MediaKind
    from syndication.keys import partner_key_create
    from syndication.models import (
        Delivery,
        DeliveryState,
        PartnerAccount,
        Platform,
    )
    from syndication.stored_items import partner_items_store

    home = Page.objects.get(depth=2)
    index = _add_child(home, VideoIndexPage(title="短视频", slug="videos"))
    series = _add_child(
        index, VideoSeriesPage(title="百嘎丽带你看沙漠里的科普", slug="desert")
    )
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(ShortVideoPage)
    locale = Locale.get_default()
    sha256 = secrets.token_hex(32)
    with transaction.atomic():
        asset = MediaAsset.objects.create(
            title="bench",
            kind=MediaKind.VIDEO,
            original=f"media/originals/{sha256[:2]}/{sha256}/source.mp4",
            original_filename="source.mp4",
            sha256=sha256,
            size=123_456_789,
            duration=200.0,
            width=1920,
            height=1080,
        )
        people = [Person.objects.create(name=name) for name in PEOPLE]
        tags = [
            Tag.objects.create(name=name, slug=f"t{i}") for i, name in enumerate(TOPICS)
        ]
        base_pages = []
        for n in range(1, items + 1):
            slug = f"v{n}"
            base_pages.append(
                Page(
                    title=TITLE.format(n=n),
                    draft_title=TITLE.format(n=n),
                    slug=slug,
                    content_type=content_type,
                    path=Page._get_path(series.path, series.depth + 1, n),
                    depth=series.depth + 1,
                    numchild=0,
                    url_path=f"{series.url_path}{slug}/",
                    live=True,
                    has_unpublished_changes=False,
                    first_published_at=now,
                    last_published_at=now,
                    live_revision=None,
                    locale=locale,
                    translation_key=uuid.uuid4(),
                )
            )
        Page.objects.bulk_create(base_pages, batch_size=500)
        page_ids = list(
            Page.objects.filter(depth=series.depth + 1, path__startswith=series.path)
            .order_by("path")
            .values_list("id", flat=True)
        )
        Page.objects.filter(pk=series.pk).update(numchild=items)
        # Only the subclass's own table: the Page rows exist already
        # (bulk_create refuses multi-table inheritance).
        local_fields = ShortVideoPage._meta.local_concrete_fields
        videos = [
            ShortVideoPage(
                page_ptr_id=page_id,
                number_in_series=n,
                orientation="16:9",
                duration=dt.timedelta(minutes=3, seconds=n % 60),
                summary=SUMMARY.format(n=n),
                producing_unit="鄂尔多斯市科学技术协会",
                rights_holder="鄂尔多斯市科学技术协会",
            )
            for n, page_id in enumerate(page_ids, start=1)
        ]
        for start in range(0, len(videos), 500):
            ShortVideoPage._base_manager._insert(
                videos[start : start + 500], fields=local_fields
            )
        ShortVideoCredit.objects.bulk_create(
            [
                ShortVideoCredit(
                    page_id=page_id,
                    person=people[(n + offset) % len(people)],
                    role=role,
                    sort_order=offset,
                )
                for n, page_id in enumerate(page_ids)
                for offset, role in enumerate(("director", "presenter"))
            ],
            batch_size=1000,
        )
        ShortVideoTopic.objects.bulk_create(
            [
                ShortVideoTopic(
                    content_object_id=page_id, tag=tags[(n + offset) % len(tags)]
                )
                for n, page_id in enumerate(page_ids)
                for offset in range(2)
            ],
            batch_size=1000,
        )
        platform = Platform.objects.get(slug="kepu-china")
        other = Platform.objects.get(slug="yunshang-kepu")
        targets = [(platform, page_ids)]
        targets.append((other, page_ids[: int(items * other_platform_share)]))
        for target, ids in targets:
            profile = target.profiles.first()
            Delivery.objects.bulk_create(
                [
                    Delivery(
                        page_id=page_id,
                        platform=target,
                        profile=profile,
                        asset=asset,
                        state=DeliveryState.DELIVERED,
                        version=1,
                        delivered_at=now,
                    )
                    for page_id in ids
                ],
                batch_size=1000,
            )
        partner = PartnerAccount.objects.create(
            name="基准测试合作方", platform=platform
        )
        _key, plaintext = partner_key_create(partner=partner)
    # What the store task, queued by every delivery, does in a deployment
    # (the bulk inserts above send no signals).
    partner_items_store()
    segment_path, static_path = _public_segment(page_id=page_ids[0])
    return {
        "key": plaintext,
        "pages": len(page_ids),
        "platform": platform.slug,
        "segment_path": segment_path,
        "static_path": static_path,
    }


def _public_segment(*, page_id: int) -> tuple[str, str]:
    """A ready asset with one HLS segment, played by the live page
    ``page_id`` (so public): its address in /media-files/, and the same
    stored file's address in the bare static view."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from cms.videos.models import ShortVideoPage
    from media_pipeline.models import MediaAsset, MediaKind, RenditionKind
    from media_pipeline.outputs import OutputFile
    from media_pipeline.services.jobs import job_claim, job_publish, job_request

    sha256 = secrets.token_hex(32)
    asset = MediaAsset.objects.create(
        title="bench segment",
        kind=MediaKind.VIDEO,
        original=f"media/originals/{sha256[:2]}/{sha256}/source.mp4",
        original_filename="source.mp4",
        sha256=sha256,
        size=SEGMENT_BYTES,
        duration=6.0,
        width=640,
        height=360,
    )
    job = job_claim(job_id=job_request(asset=asset, dispatch=False).pk, worker="bench")
    relative = "hls/360p/seg_00000.m4s"
    name = default_storage.save(
        f"{job.output_prefix}/{relative}",
        ContentFile(secrets.token_bytes(SEGMENT_BYTES)),
    )
    job_publish(
        job=job,
        outputs=[
            OutputFile(relative, RenditionKind.HLS_VARIANT, SEGMENT_BYTES, duration=6.0)
        ],
    )
    ShortVideoPage.objects.filter(pk=page_id).update(media_asset=asset)
    asset.refresh_from_db()
    return f"/media-files/{asset.key}/{relative}", STATIC_PATH + name


# --- server ------------------------------------------------------------------


def server_start(
    *,
    port: int,
    log_path: Path,
    payload_path: Path,
    page_cache: bool,
    stored_items: bool = True,
    conn_max_age: int = CONN_MAX_AGE,
    threads: int = SERVER_THREADS,
) -> subprocess.Popen:
    env = os.environ.copy()
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    env["BENCH_BARE_PAYLOAD"] = str(payload_path)
    env["BENCH_PAGE_CACHE"] = "1" if page_cache else "0"
    env["BENCH_STORED_ITEMS"] = "1" if stored_items else "0"
    # Keep database connections open between requests, as a deployment does:
    # with the default (0), every request that touches the database opens a
    # new one, and SQLite then reads the schema again.
    env["CONN_MAX_AGE"] = str(conn_max_age)
    return gunicorn_start(port=port, log_path=log_path, env=env, threads=threads)


def gunicorn_start(
    *, port: int, log_path: Path, env: dict, workers: int = 1, threads: int = 1
) -> subprocess.Popen:
    """The project's WSGI application under gunicorn on loopback (gthread,
    keep-alive), with ``env`` (its settings module among it); its output
    appended to ``log_path``."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "cms.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--keep-alive",
        "30",
        "--backlog",
        "64",
        "--log-level",
        "warning",
    ]
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def server_stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def worker_pid(server: subprocess.Popen) -> int:
    """The gunicorn worker (the one child of the arbiter) that answers."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            children = (
                Path(f"/proc/{server.pid}/task/{server.pid}/children")
                .read_text()
                .split()
            )
        except OSError:
            children = []
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of the line, 12 and 13 after ")".
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


# --- load --------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict
    status: int


@dataclass
class LoadSample:
    requests: int
    seconds: float
    server_cpu: float  # CPU seconds of the server's worker
    client_cpu: float  # CPU seconds of this process (the load tool)
    foreign: float  # CPU seconds the rest of the machine used meanwhile
    body_bytes: int  # of the last answer, to check the payload sizes

    @property
    def contention(self) -> float:
        """The share of the machine's CPU other processes took meanwhile."""
        return self.foreign / (self.seconds * CORES) if self.seconds else 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        """Server CPU milliseconds per request."""
        return 1000 * self.server_cpu / self.requests if self.requests else 0.0


def fetch(
    conn: http.client.HTTPConnection, request: Request
) -> tuple[http.client.HTTPResponse, bytes]:
    """One request on a kept-alive connection; the answer must have the
    expected status."""
    conn.request("GET", request.path, headers=request.headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != request.status:
        raise RuntimeError(
            f"GET {request.path}: {response.status}, expected {request.status}: "
            f"{body[:300]!r}"
        )
    return response, body


def load(
    *, port: int, requests: list[Request], seconds: float, server_pid: int
) -> LoadSample:
    """Every connection cycles through ``requests`` (each starting at its own
    place) for ``seconds``; the answers counted are those completed in time."""
    stop = threading.Event()
    counts = [0] * CONNECTIONS
    last_size = [0] * CONNECTIONS
    errors: list[BaseException] = []
    ready = threading.Barrier(CONNECTIONS + 1)

    def client(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        position = number * len(requests) // CONNECTIONS
        try:
            fetch(conn, requests[position % len(requests)])  # connect, warm
            ready.wait()
            while not stop.is_set():
                position += 1
                _response, body = fetch(conn, requests[position % len(requests)])
                counts[number] += 1
                last_size[number] = len(body)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            stop.set()
            ready.abort()
        finally:
            conn.close()

    threads = [
        threading.Thread(target=client, args=(n,), daemon=True)
        for n in range(CONNECTIONS)
    ]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait()
    busy, own = system_busy_seconds(), own_cpu_seconds()
    cpu = process_cpu_seconds(server_pid)
    start = time.monotonic()
    stop.wait(seconds)
    done = sum(counts)
    elapsed = time.monotonic() - start
    used = process_cpu_seconds(server_pid) - cpu
    client = own_cpu_seconds() - own
    foreign = max(0.0, system_busy_seconds() - busy - used - client)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    if errors:
        raise RuntimeError(f"load failed: {errors[0]!r}") from errors[0]
    return LoadSample(
        requests=done,
        seconds=elapsed,
        server_cpu=used,
        client_cpu=client,
        foreign=foreign,
        body_bytes=max(last_size),
    )


# --- the run -----------------------------------------------------------------


@dataclass
class ApiResults:
    items: int
    page_size: int
    pages: int
    payload_bytes: int  # page 1 of the listing, and the bare view's answer
    bare_bytes: int
    connections: int = CONNECTIONS
    server: str = ""
    seconds: float = 0.0
    samples: dict[str, list[LoadSample]] = field(default_factory=dict)

    def rps(self, name: str) -> float:
        return median([s.rps for s in self.samples[name]])

    def cpu_ms(self, name: str) -> float:
        return median([s.cpu_ms for s in self.samples[name]])


def _walk(port: int, auth: dict) -> list[tuple[str, str, int]]:
    """Every page of the listing: (path, ETag, body size)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    pages, path = [], ITEMS_PATH
    try:
        while path:
            response, body = fetch(conn, Request(path, auth, 200))
            data = json.loads(body)
            pages.append((path, response.getheader("ETag") or "", len(body)))
            cursor = data["next_cursor"]
            path = f"{ITEMS_PATH}?cursor={quote(cursor)}" if cursor else None
    finally:
        conn.close()
    return pages


def server_wait(server: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"web server exited:\n{log_path.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/ready")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"web server not ready:\n{log_path.read_text()[-3000:]}")


def _requests(pages, auth: dict, files: dict) -> dict[str, list[Request]]:
    cold = {**auth, "X-Bench-Cold": "1"}
    walk = [Request(path, auth, 200) for path, _etag, _size in pages]
    return {
        BARE: [Request(BARE_PATH, {}, 200)],
        BARE_BUILT: [Request(BARE_PATH, {}, 200)],
        BARE_UNSTORED: [Request(BARE_PATH, {}, 200)],
        COLD: [Request(path, cold, 200) for path, _etag, _size in pages],
        UNSTORED_COLD: [Request(path, cold, 200) for path, _etag, _size in pages],
        BUILT: walk,
        CACHED: walk,
        NOT_MODIFIED: [
            Request(path, {**auth, "If-None-Match": etag}, 304)
            for path, etag, _size in pages
        ],
        STATIC_FILE: [Request(files["static_path"], {}, 200)],
        MEDIA_SEGMENT: [Request(files["segment_path"], {}, 200)],
    }


def _warm(port: int, requests: list[Request]) -> None:
    """One pass over ``requests``, untimed: what a partner asks for again
    is then in the cache, as it would be."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for request in requests:
            fetch(conn, request)
    finally:
        conn.close()


@dataclass(frozen=True)
class Phase:
    name: str
    page_cache: bool  # the page cache on, as deployed; off: every page made
    contenders: tuple[str, ...]
    stored_items: bool = True  # off: every item built (PARTNER_API_STORED_ITEMS)


PHASES = (
    Phase("page cache on", True, (BARE, COLD, CACHED, NOT_MODIFIED)),
    Phase("page cache off", False, (BARE_BUILT, BUILT)),
    Phase(
        "page cache off, nothing stored",
        False,
        (BARE_UNSTORED, UNSTORED_COLD),
        stored_items=False,
    ),
    # The access rule's cost on a public segment, against the same stored
    # file from the cheapest Django view (no rule, no headers).
    Phase("media files", True, (STATIC_FILE, MEDIA_SEGMENT)),
)


def _phase(
    phase: Phase,
    *,
    root: Path,
    auth: dict,
    files: dict,
    results: ApiResults | None,
    rounds: int,
    seconds: float,
    quiet_wait: float,
    conn_max_age: int,
    threads: int,
    log,
) -> ApiResults:
    """Start the server, sample the phase's contenders in rotating order,
    stop it. The first phase also finds the pages and the payload size."""
    import gunicorn

    payload_path = root / "bare-payload.json"
    log_path = root / "gunicorn.log"
    port = free_port()
    server = server_start(
        port=port,
        log_path=log_path,
        payload_path=payload_path,
        page_cache=phase.page_cache,
        stored_items=phase.stored_items,
        conn_max_age=conn_max_age,
        threads=threads,
    )
    try:
        server_wait(server, port, log_path)
        pid = worker_pid(server)
        pages = _walk(port, auth)
        if results is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            _response, first = fetch(conn, Request(ITEMS_PATH, auth, 200))
            payload_path.write_bytes(first)
            conn.close()
            results = ApiResults(
                items=0,
                page_size=len(json.loads(first)["items"]),
                pages=len(pages),
                payload_bytes=len(first),
                bare_bytes=0,
                server=(
                    f"gunicorn {gunicorn.__version__}, 1 worker, gthread × "
                    f"{threads}, keep-alive, CONN_MAX_AGE={conn_max_age}"
                ),
                seconds=seconds,
                samples={name: [] for name in CONTENDERS},
            )
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        _response, bare_body = fetch(conn, Request(BARE_PATH, {}, 200))
        conn.close()
        results.bare_bytes = len(bare_body)
        if results.bare_bytes != results.payload_bytes:
            raise RuntimeError(
                f"bare view answers {results.bare_bytes} bytes, "
                f"the listing {results.payload_bytes}"
            )
        requests = _requests(pages, auth, files)
        log(f"  {phase.name}: {len(pages)} pages")
        for round_index in range(rounds):
            for name in rotated(phase.contenders, round_index):
                if name in (CACHED, NOT_MODIFIED, BUILT):
                    _warm(port, requests[name])
                wait_for_quiet(max_seconds=min(quiet_wait, 5))
                sample = load(
                    port=port,
                    requests=requests[name],
                    seconds=seconds,
                    server_pid=pid,
                )
                results.samples[name].append(sample)
                log(
                    f"  round {round_index + 1}/{rounds} {name:<15}"
                    f"{sample.rps:8.0f} req/s {sample.cpu_ms:6.2f} ms CPU/req; "
                    f"others took {sample.contention:.0%}"
                )
    finally:
        server_stop(server)
    return results


def run(
    *,
    scratch: Path,
    items: int = 10_000,
    rounds: int = 3,
    seconds: float = 3.0,
    quiet_wait: float = 10,
    conn_max_age: int = CONN_MAX_AGE,
    threads: int = SERVER_THREADS,
    log=print,
) -> ApiResults:
    scratch.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    log(f"  creating {items:,} delivered items")
    facts = populate(items=items)
    log(f"  done in {time.monotonic() - started:.0f} s")
    auth = {"Authorization": f"Bearer {facts['key']}"}
    results = None
    for phase in PHASES:
        results = _phase(
            phase,
            root=scratch,
            auth=auth,
            files=facts,
            results=results,
            rounds=rounds,
            seconds=seconds,
            quiet_wait=quiet_wait,
            conn_max_age=conn_max_age,
            threads=threads,
            log=log,
        )
    results.items = items
    return results


#: (ratio key, contender, its bare view)
RATIOS = (
    ("api_uncached_vs_bare", BUILT, BARE_BUILT),
    ("api_cold_vs_bare", COLD, BARE),
    ("api_unstored_cold_vs_bare", UNSTORED_COLD, BARE_UNSTORED),
    ("api_304_vs_bare", NOT_MODIFIED, BARE),
    ("api_cached_vs_bare", CACHED, BARE),
    ("media_segment_vs_static", MEDIA_SEGMENT, STATIC_FILE),
)


def ratios(results: ApiResults) -> dict:
    """Each contender's requests per second ÷ those of the bare view sampled
    beside it, three ways: medians of all samples, server CPU per request
    (bare ÷ contender), and medians of the samples the rest of the machine
    left alone."""

    def quiet_rps(name):
        quiet = [s.rps for s in results.samples[name] if s.contention <= DISTURBED]
        return median(quiet) if quiet else None

    found = {}
    for key, name, bare in RATIOS:
        quiet, bare_quiet = quiet_rps(name), quiet_rps(bare)
        samples = results.samples[name] + results.samples[bare]
        found[key] = {
            "wall": results.rps(name) / results.rps(bare),
            "cpu": results.cpu_ms(bare) / results.cpu_ms(name),
            "quiet_wall": (
                quiet / bare_quiet if quiet is not None and bare_quiet else None
            ),
            "quiet_samples": min(
                sum(s.contention <= DISTURBED for s in results.samples[n])
                for n in (name, bare)
            ),
            "contention": median([s.contention for s in samples]),
        }
    return found


LABELS = {
    BARE: "bare JsonResponse (200)",
    COLD: "items, every cache emptied (200)",
    CACHED: "items, page from the cache (200)",
    NOT_MODIFIED: "items, If-None-Match (304)",
    BARE_BUILT: "bare JsonResponse (200)",
    BUILT: "items, page made (200)",
    BARE_UNSTORED: "bare JsonResponse (200)",
    UNSTORED_COLD: "items, built, caches emptied (200)",
    STATIC_FILE: "bare FileResponse, 256 KiB (200)",
    MEDIA_SEGMENT: "public segment, /media-files/ (200)",
}


def report(results: ApiResults) -> list[str]:
    lines = [
        f"Partner API: {results.items:,} delivered items, {results.pages} pages of "
        f"{results.page_size}, {results.payload_bytes:,} bytes a page (bare view: "
        f"{results.bare_bytes:,}); {results.server}; {results.connections} "
        f"keep-alive connections, {results.seconds:g} s a sample",
    ]
    for phase in PHASES:
        lines += [
            "",
            f"{phase.name + ':':<36}{'median req/s':>13}{'min–max':>14}"
            f"{'CPU ms/req':>12}{'others took':>13}",
        ]
        for name in phase.contenders:
            samples = results.samples[name]
            rates = [s.rps for s in samples]
            lines.append(
                f"  {LABELS[name]:<34}{results.rps(name):>13.0f}"
                f"{min(rates):>8.0f}–{max(rates):<5.0f}{results.cpu_ms(name):>12.2f}"
                f"{median([s.contention for s in samples]):>13.0%}"
            )
    return lines
