"""Public pages under load: home, a programme's page (its list of episodes)
and an episode, served warm by gunicorn with the production settings, against
the same server sending a saved copy of each page.

The server is ``cms.settings.production`` (through ``load_settings``: DEBUG
off, the public page cache on for its 300 s, WhiteNoise with compressed and
fingerprinted static files, gathered first by ``collectstatic``) on the
bench's database, with its cache in Redis (``REDIS_URL``, else
127.0.0.1:6379; a file cache in the run's folder when no Redis answers), so
that its workers and the process that publishes share it. Two gunicorn
workers, gthread, keep-alive, on loopback.

The pages come from a small synthetic catalogue (``catalogue_scale``, 100
items). Each is requested until the page cache answers it (``X-Page-Cache:
hit``), and its answer saved: ``/bench/html/<page>.html`` in the bench
URLconf (``load_urls``) sends that file with a bare ``FileResponse``, the
same bytes through the same server and middleware, nothing made or looked up.

Load: ``wrk`` (Debian package ``wrk``; ``bench/setup.sh`` installs it), one
thread, ``connections`` keep-alive connections, ``seconds`` a sample; the
page and its bare copy in rotating order for ``rounds`` rounds. A sample
counts every answer; any answer other than 2xx/3xx, or a socket error, fails
the bench. Reported: requests per second and p95 latency, each page ÷ its
bare copy (p95 inverted: bare ÷ page, so that 1 is as fast and the floor is
the same 0.5 for both).

Then two checks, printed with the row: a change to the episode is published
(by a separate process with the server's settings, as an editor's publish
would be) and the very next request shows it; and the home page's static
files are fingerprinted, and sent compressed and cacheable for good.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .environment import PROJECT_DIR
from .machine import own_cpu_seconds, system_busy_seconds
from .partner_api_bench import (
    LoadSample,
    gunicorn_start,
    process_cpu_seconds,
    server_stop,
    server_wait,
)
from .timing import DISTURBED, median, rotated, wait_for_quiet
from .upload_memory_bench import free_port

SETTINGS_MODULE = "bench.load_settings"
PAGES = ("home", "programme", "episode")
WORKERS = 2
CONNECTIONS = 4
BARE_SUFFIX = " (bare)"
BARE_PATH = "/bench/html/{name}.html"
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
# What wrk prints at the end of a run, read back below.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "bench-result requests=%d duration_us=%d p95_us=%d status_errors=%d "
    .. "socket_errors=%d\\n",
    summary.requests, summary.duration, latency:percentile(95),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
"""
RESULT_LINE = re.compile(
    r"bench-result requests=(\d+) duration_us=(\d+) p95_us=(\d+) "
    r"status_errors=(\d+) socket_errors=(\d+)"
)
# A file name as ManifestStaticFilesStorage writes it: name.<12 hex>.ext
FINGERPRINTED = re.compile(r'/static/[^"\'\s>]+\.[0-9a-f]{12}\.(?:css|js)')


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError(
            "缺少系统软件包 wrk / the load benchmark needs the Debian package "
            "wrk: `make bench` installs it (bench/setup.sh, as root), or "
            "apt-get install wrk; --skip-load runs the rest without it."
        )
    return found


@dataclass
class WrkSample(LoadSample):
    """A partner API sample's measures (rate, server CPU, others' share),
    plus the p95 latency wrk reports."""

    p95_ms: float = 0.0


@dataclass
class LoadResults:
    server: str = ""
    cache: str = ""
    connections: int = CONNECTIONS
    seconds: float = 0.0
    paths: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    samples: dict[str, list[WrkSample]] = field(default_factory=dict)
    # (passed, what was checked)
    checks: list[tuple[bool, str]] = field(default_factory=list)

    def rps(self, name: str) -> float:
        return median([s.rps for s in self.samples[name]])

    def p95(self, name: str) -> float:
        return median([s.p95_ms for s in self.samples[name]])

    def cpu_ms(self, name: str) -> float:
        return median([s.cpu_ms for s in self.samples[name]])


# --- data and server ---------------------------------------------------------


def _home():
    """A brand home page as the default site's root, as a deployment has
    (a migrated database has Wagtail's placeholder page there); the
    placeholder and what earlier benchmarks put under it are left alone."""
    from wagtail.models import Page, Site

    from cms.home.models import HomePage

    site = Site.objects.get(is_default_site=True)
    if isinstance(site.root_page.specific, HomePage):
        return site.root_page.specific
    home = HomePage(
        title="百嘎丽",
        slug=f"home-{secrets.token_hex(3)}",
        tagline="把科学讲给草原听",
        intro="百嘎丽是鄂尔多斯市科学技术协会的科普品牌。",
    )
    Page.get_first_root_node().add_child(instance=home)
    home.save_revision().publish()
    site.root_page = home
    site.save()
    return home


def _pages() -> dict[str, tuple[str, int]]:
    """(path, page id) of the three pages: the home page, showing a small
    catalogue's programme (featured), latest episodes and videos; that
    programme's page, listing its episodes; one of them."""
    from cms.home.models import HomeFeaturedProgramme
    from cms.programmes.models import EpisodePage, ProgramPage

    from .catalogue_scale import generate

    home = _home()
    catalogue = generate(100)
    programme = ProgramPage.objects.get(pk=catalogue.programme_id)
    HomeFeaturedProgramme.objects.create(page=home, programme=programme)
    episode = EpisodePage.objects.child_of(programme).order_by("path").first()
    return {
        "home": (home.url, home.pk),
        "programme": (programme.url, programme.pk),
        "episode": (episode.url, episode.pk),
    }


def _cache_url(root: Path) -> str:
    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return f"filecache://{root / 'cache'}"
    return url


def _server_env(root: Path) -> dict:
    env = os.environ.copy()
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CACHE_URL=_cache_url(root),
        BENCH_CACHE_PREFIX=f"bench-load-{secrets.token_hex(4)}",
        BENCH_STATIC_ROOT=str(root / "static"),
        BENCH_HTML_DIR=str(root / "html"),
        # Database connections kept between requests, as deployed.
        CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
    )
    (root / "html").mkdir(parents=True, exist_ok=True)
    return env


def _manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _get(port: int, path: str, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={**PROXY_HEADERS, **(headers or {})})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def _warm(port: int, path: str) -> bytes:
    """The page's answer once the page cache has it (the second request)."""
    for _attempt in range(3):
        response, body = _get(port, path)
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status}: {body[:300]!r}")
        if response.getheader("X-Page-Cache") == "hit":
            return body
    raise RuntimeError(f"GET {path}: never answered from the page cache")


# --- load --------------------------------------------------------------------


def _workers(server: subprocess.Popen) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        path = Path(f"/proc/{server.pid}/task/{server.pid}/children")
        try:
            children = [int(pid) for pid in path.read_text().split()]
        except OSError:
            children = []
        if len(children) >= WORKERS:
            return children
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not start its workers")


def _wrk(
    *, wrk: str, script: Path, port: int, path: str, seconds: float, workers
) -> WrkSample:
    def server_cpu():
        return sum(process_cpu_seconds(pid) for pid in workers)

    command = [
        wrk,
        "--threads",
        "1",
        "--connections",
        str(CONNECTIONS),
        "--duration",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--script",
        str(script),
        *(f"--header={name}: {value}" for name, value in PROXY_HEADERS.items()),
        f"http://127.0.0.1:{port}{path}",
    ]
    busy, own, cpu = system_busy_seconds(), own_cpu_seconds(), server_cpu()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    used = server_cpu() - cpu
    found = RESULT_LINE.search(done.stdout)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed on {path}:\n{done.stdout}\n{done.stderr}")
    requests, duration_us, p95_us, status_errors, socket_errors = (
        int(value) for value in found.groups()
    )
    if status_errors or socket_errors:
        raise RuntimeError(
            f"wrk on {path}: {status_errors} answers not 2xx/3xx, "
            f"{socket_errors} socket errors\n{done.stdout}"
        )
    # Neither the server's nor wrk's own CPU (a child waited for) is others'.
    load_tool = own_cpu_seconds() - own
    foreign = max(0.0, system_busy_seconds() - busy - used - load_tool)
    return WrkSample(
        requests=requests,
        seconds=duration_us / 1e6,
        server_cpu=used,
        client_cpu=load_tool,
        foreign=foreign,
        body_bytes=0,
        p95_ms=p95_us / 1000,
    )


# --- checks ------------------------------------------------------------------


def _check_publish(port: int, env: dict, path: str, page_id: int) -> tuple:
    """Publish a new title for the page from another process (the server's
    settings, so the same cache) and ask for the page once."""
    title = f"基准发布检查 {secrets.token_hex(3)}"
    subprocess.run(
        [sys.executable, "-m", "bench.load_bench", "publish", str(page_id), title],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    response, body = _get(port, path)
    shown = title in body.decode()
    source = response.getheader("X-Page-Cache")
    return (
        shown and response.status == 200,
        f"published a new title for the episode; the next request "
        f"{'showed' if shown else 'did NOT show'} it "
        f"({response.status}, X-Page-Cache: {source})",
    )


def _check_static(port: int, home_html: str) -> tuple:
    found = FINGERPRINTED.search(home_html)
    if not found:
        return False, "no fingerprinted /static/ file (name.<hash>.css|js) in home"
    path = found.group(0)
    response, body = _get(port, path, {"Accept-Encoding": "br, gzip"})
    encoding = response.getheader("Content-Encoding") or "none"
    cache_control = response.getheader("Cache-Control") or ""
    passed = (
        response.status == 200
        and encoding in ("br", "gzip")
        and "immutable" in cache_control
    )
    return (
        passed,
        f"static files fingerprinted and compressed: {path} answered "
        f"{response.status}, Content-Encoding {encoding}, {len(body):,} bytes, "
        f"Cache-Control {cache_control or 'none'}",
    )


# --- the run -----------------------------------------------------------------


def run(
    *, scratch: Path, rounds: int, seconds: float, quiet_wait: float, log
) -> LoadResults:
    import gunicorn

    wrk = wrk_binary()
    scratch.mkdir(parents=True, exist_ok=True)
    script = scratch / "p95.lua"
    script.write_text(WRK_SCRIPT)
    pages = _pages()
    env = _server_env(scratch)
    log("  collectstatic (compressed, fingerprinted)")
    _manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    results = LoadResults(
        server=(
            f"gunicorn {gunicorn.__version__}, {WORKERS} workers, gthread × 1, "
            "keep-alive, CONN_MAX_AGE=600, cms.settings.production"
        ),
        cache=env["CACHE_URL"].split("://")[0],
        seconds=seconds,
    )
    log_path = scratch / "gunicorn.log"
    port = free_port()
    server = gunicorn_start(
        port=port, log_path=log_path, env=env, workers=WORKERS, threads=1
    )
    try:
        server_wait(server, port, log_path)
        workers = _workers(server)
        contenders = []
        for name in PAGES:
            path, _page_id = pages[name]
            body = _warm(port, path)
            (scratch / "html" / f"{name}.html").write_bytes(body)
            bare = BARE_PATH.format(name=name)
            _response, bare_body = _get(port, bare)
            if bare_body != body:
                raise RuntimeError(f"the bare copy of {name} differs from it")
            results.paths[name], results.paths[name + BARE_SUFFIX] = path, bare
            results.sizes[name] = len(body)
            contenders += [name, name + BARE_SUFFIX]
        results.samples = {name: [] for name in contenders}
        for round_index in range(rounds):
            for name in rotated(contenders, round_index):
                wait_for_quiet(max_seconds=min(quiet_wait, 5))
                sample = _wrk(
                    wrk=wrk,
                    script=script,
                    port=port,
                    path=results.paths[name],
                    seconds=seconds,
                    workers=workers,
                )
                results.samples[name].append(sample)
                log(
                    f"  round {round_index + 1}/{rounds} {name:<18}"
                    f"{sample.rps:7.0f} req/s  p95 {sample.p95_ms:6.1f} ms  "
                    f"others took {sample.contention:.0%}"
                )
        home_html = (scratch / "html" / "home.html").read_text()
        results.checks.append(_check_static(port, home_html))
        path, page_id = pages["episode"]
        results.checks.append(_check_publish(port, env, path, page_id))
    finally:
        server_stop(server)
    return results


def ratios(results: LoadResults) -> dict:
    """The worst page's requests per second ÷ its bare copy's, and the worst
    bare p95 ÷ page p95; CPU: server CPU per request, bare ÷ page."""

    def quiet(name, measure):
        values = [
            measure(s) for s in results.samples[name] if s.contention <= DISTURBED
        ]
        return median(values) if values else None

    def entry(per_page):
        found = {name: per_page(name) for name in PAGES}
        worst = min(PAGES, key=lambda name: found[name][0])
        samples = [
            s
            for name in PAGES
            for s in results.samples[name] + results.samples[name + BARE_SUFFIX]
        ]
        wall, quiet_wall = found[worst]
        return {
            "wall": wall,
            "cpu": min(
                results.cpu_ms(name + BARE_SUFFIX) / results.cpu_ms(name)
                for name in PAGES
            ),
            "quiet_wall": quiet_wall,
            "quiet_samples": min(
                sum(s.contention <= DISTURBED for s in results.samples[name])
                for name in results.samples
            ),
            "contention": median([s.contention for s in samples]),
        }

    def page_vs_bare(measure, page_over_bare: bool):
        """Per page: (ratio of medians, ratio of quiet medians), page ÷ bare
        or, for latencies, bare ÷ page (higher is faster, either way)."""

        def per_page(name):
            pair = (name, name + BARE_SUFFIX)
            top, bottom = pair if page_over_bare else pair[::-1]
            all_top = median([measure(s) for s in results.samples[top]])
            all_bottom = median([measure(s) for s in results.samples[bottom]])
            quiet_top, quiet_bottom = quiet(top, measure), quiet(bottom, measure)
            return (
                all_top / all_bottom,
                quiet_top / quiet_bottom if quiet_top and quiet_bottom else None,
            )

        return per_page

    return {
        "load_rps_vs_bare": entry(page_vs_bare(lambda s: s.rps, True)),
        "load_p95_vs_bare": entry(page_vs_bare(lambda s: s.p95_ms, False)),
    }


def report(results: LoadResults) -> list[str]:
    lines = [
        f"Load: {results.server}; cache {results.cache}; wrk, 1 thread, "
        f"{results.connections} connections, {results.seconds:g} s a sample, "
        "warm (page cache hits)",
        f"{'page':<22}{'bytes':>8}{'req/s':>8}{'bare':>8}{'ratio':>7}"
        f"{'p95 ms':>9}{'bare':>8}{'ratio':>7}{'others took':>13}",
    ]
    for name in PAGES:
        bare = name + BARE_SUFFIX
        samples = results.samples[name] + results.samples[bare]
        lines.append(
            f"{name + ' ' + results.paths[name]:<22.22}{results.sizes[name]:>8,}"
            f"{results.rps(name):>8.0f}{results.rps(bare):>8.0f}"
            f"{results.rps(name) / results.rps(bare):>7.2f}"
            f"{results.p95(name):>9.1f}{results.p95(bare):>8.1f}"
            f"{results.p95(bare) / results.p95(name):>7.2f}"
            f"{median([s.contention for s in samples]):>13.0%}"
        )
    lines.append("(p95 ratio: bare ÷ page, so that 1 is as fast as the bare copy)")
    lines += [f"  [{'✓' if ok else '✗'}] {text}" for ok, text in results.checks]
    return lines


def publish(page_id: int, title: str) -> None:
    """Publish ``title`` on the page, as an editor's publish does."""
    from wagtail.models import Page

    page = Page.objects.get(pk=page_id).specific
    page.title = title
    page.save_revision().publish()


if __name__ == "__main__":
    # python -m bench.load_bench publish PAGE_ID TITLE (the server's settings)
    import django

    django.setup()
    _command, page_id, title = sys.argv[1:4]
    publish(int(page_id), title)
