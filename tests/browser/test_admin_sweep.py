"""The admin as each role sees it, page by page, in real Chromium.

One pass per role over every page that role can reach: the sidebar's menu
entries (read from the sidebar itself, so a new menu item joins the sweep on
its own), then from each of those pages the first object of its listing and
the page's own header actions (add, export…), then one more step from there
(an object's edit page, its versions…). Links that change something (delete,
unpublish, revert, log out…) and downloads are left alone.

Every page must: answer without a server error; log no console error and
throw no script error; show no English words outside a short allow-list in
the interface (data may be ASCII: slugs, file names, user names); fit the
1440 px window (no sideways scroll, nothing sticking out of a box that clips
it); show every image it loads (the avatars included) and keep icons in
buttons icon-sized; and ask nothing of any other origin.
"""

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

VIEWPORT = {"width": 1440, "height": 900}
ROLES = ["superuser", "制片", "编辑", "审核专家", "分发管理"]
# How far from a menu entry the sweep follows links: 1 reaches an object of
# each listing (and the add form), 2 that object's edit page and the like.
DEPTH = 2
# A pass stops here, so that a link loop cannot keep it going forever.
MAX_PAGES_PER_ROLE = 220

# Words that may stand in Chinese text as they are: format, codec, unit and
# standard names (identifiers such as ISRC are named so in Chinese too), and
# the brand's own spelling. Compared without case, as
# ffprobe reports codec names in lower case.
_ALLOWED = """
    HLS MP4 MOV WAV MP3 FLAC SRT VTT WebVTT AAC H.264 HEVC SVG PNG JPEG JPG GIF
    WebP AVIF PDF ZIP URL URLs API ID CSV XLSX Excel JSON RSS XML XMLTV ICS
    LUFS LKFS LU dB dBTP dBFS kbps kbit Mbps fps px KB MB GB TB PCM UTC QC IP
    FM AM TV LED DPI RGB CMYK SHA OK Opus WebM MKV Baigali
    ISRC ISWC ISBN ISSN DOI ICP
"""
ALLOWED_WORDS = {word.lower() for word in _ALLOWED.split()}
# Identifiers that are code, not data, even with an underscore or a digit.
NEVER_DATA = {"True", "False", "None", "null", "undefined", "NaN"}
# Paths that change something, or that answer with a file rather than a page.
SKIP_PATH = re.compile(
    r"/(delete|unpublish|revert|logout|lock|unlock|copy|move|convert_alias|"
    r"cancel|rerun|revoke|approve|reject|restart|download|export|files?/|"
    r"usage/csv|preview|view_draft|history/\d+/revert|workflow/(enable|disable))"
    r"|\.(csv|xlsx|zip|pdf|m3u8|vtt|srt|json|xml|ics|png|jpe?g|svg|mp4)$"
    r"|^/admin/(media-files|documents/serve|bulk)/|^/media-files/"
)

# In the page: what is wrong with it, as plain data. Playwright calls the
# text as a function only if it starts as one: the file's comments go.
PAGE_CHECKS = "\n".join(
    line
    for line in (Path(__file__).parent / "admin_sweep_checks.js")
    .read_text()
    .splitlines()
    if not line.startswith("//")
)


@dataclass
class Sweep:
    base: str
    data_words: set[str]
    # Filled by the page's console and error listeners (console_recorder).
    errors: list[str]
    visited: dict[str, int] = field(default_factory=dict)
    # The sidebar's entries, as the role's sidebar lists them.
    menu: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def page_key(self, path: str) -> str:
        """Pages of one kind share a key: one object of each is enough. For
        Wagtail pages the kind is the page type, whose edit forms differ."""
        page = re.match(r"/admin/pages/(\d+)/(.*)$", path)
        if page:
            return f"/admin/pages/<{page_type(int(page[1]))}>/{page[2]}"
        return re.sub(r"/\d+/", "/N/", path)


@functools.cache
def page_type(page_id: int) -> str:
    from wagtail.models import Page

    page = Page.objects.filter(pk=page_id).select_related("content_type").first()
    return page.content_type.model if page else "missing"


def english_words(text: str, *, data: bool, data_words: set[str]) -> list[str]:
    """The words of ``text`` a Chinese reader should not meet in the UI.

    A token with a digit, a dot, a slash, an @ or a hyphen is a name of a file,
    a slug, an address or a version: data, fine. In data places (table cells,
    facts, titles) plain words are data too, except Python's spelling of
    booleans and identifiers with an underscore (a code, not a label).
    """
    found = []
    for token in re.findall(r"[A-Za-z][A-Za-z0-9_.\-/@:+’']*", text):
        token = token.rstrip(".:'’-")
        if token in NEVER_DATA:
            found.append(token)
            continue
        if len(token) < 2 or token.lower() in ALLOWED_WORDS | data_words:
            continue
        if re.search(r"[0-9./@\-:+]", token) and "_" not in token:
            continue
        if data and "_" not in token:
            continue
        if data and re.search(r"[0-9.]", token):
            continue
        found.append(token)
    return found


def console_recorder(page, sink: list[str]) -> None:
    def on_console(message):
        if message.type == "error":
            sink.append(f"console error: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: sink.append(f"script error: {error}"))


def visit(page, sweep: Sweep, path: str, depth: int, queue: list) -> None:
    sweep.errors.clear()
    response = page.goto(sweep.base + path, wait_until="load")
    status = response.status if response else 0
    sweep.visited[path] = status
    here = f"{path} (HTTP {status})"
    if status >= 400:
        sweep.problems.append(f"{here}: answered HTTP {status}")
        return
    page.wait_for_load_state("networkidle")
    found = page.evaluate(PAGE_CHECKS, {"maxIconPx": 64})
    for problem in found["problems"]:
        sweep.problems.append(f"{here}: {problem}")
    for error in sweep.errors:
        sweep.problems.append(f"{here}: {error}")
    english = {}
    for item in found["texts"]:
        words = english_words(
            item["text"], data=item["data"], data_words=sweep.data_words
        )
        if words:
            english.setdefault(" ".join(words), item)
    for words, item in english.items():
        sweep.problems.append(
            f"{here}: English in {item['where']}: {words!r} in {item['text'][:80]!r}"
        )
    for href in found["sidebar"]:
        target = admin_path(sweep.base, href, current=path)
        if target:
            sweep.menu.add(target)
    if depth >= DEPTH:
        return
    for href in found["sidebar"] + found["links"]:
        target = admin_path(sweep.base, href, current=path)
        if target and target not in sweep.visited:
            queue.append((target, depth + 1))


def admin_path(base: str, href: str, *, current: str) -> str | None:
    """The admin path ``href`` leads to, or None for what the sweep skips."""
    href, _fragment = urldefrag(href)
    if not href or href.startswith(("javascript:", "mailto:", "tel:")):
        return None
    parts = urlsplit(href)
    if parts.scheme and not href.startswith(base):
        return None
    path = parts.path or current
    # Sorting, filtering and paging links show the same page again.
    if parts.query or not path.startswith("/admin/"):
        return None
    if SKIP_PATH.search(path):
        return None
    return path


def sweep_role(page, base: str, data_words: set[str], errors: list[str]) -> Sweep:
    sweep = Sweep(base=base, data_words=data_words, errors=errors)
    keys_seen: set[str] = set()
    queue: list[tuple[str, int]] = [("/admin/", 0)]
    while queue and len(sweep.visited) < MAX_PAGES_PER_ROLE:
        path, depth = queue.pop(0)
        key = sweep.page_key(path)
        if path in sweep.visited or key in keys_seen:
            continue
        keys_seen.add(key)
        visit(page, sweep, path, depth, queue)
    return sweep


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/admin/login/")
    form = page.locator("form").filter(has=page.locator("input[name=password]"))
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/admin/")


@pytest.fixture
def swept_site(live_server, tmp_path):
    """The demo site with one transcoded clip, so that a media page has its
    player; the same for every role. 1280×720, as most of the library is:
    wider than the admin's content column at 1440 px."""
    from cms.core.demo import demo_load
    from media_pipeline.demo import demo_media

    # Transactional tests find the demo as the session loaded it or flushed;
    # the loader only creates what is missing.
    demo_load(with_media=False)
    demo_media(
        {
            "巡检样片": (
                "sweep.mp4",
                [
                    "-f",
                    "lavfi",
                    "-i",
                    "testsrc2=size=1280x720:rate=25",
                    "-f",
                    "lavfi",
                    "-i",
                    "sine=frequency=440:sample_rate=48000",
                    "-c:v",
                    "libx264",
                    "-preset",
                    "ultrafast",
                    "-pix_fmt",
                    "yuv420p",
                    "-c:a",
                    "aac",
                ],
                2,
            )
        },
        prefix="sweep-",
    )
    return live_server.url


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_page_is_chinese_whole_and_local(browser, swept_site, role):
    from django.contrib.auth import get_user_model

    base = swept_site
    username = f"sweep-{ROLES.index(role)}"
    if role == "superuser":
        make_user(username, superuser=True)
    else:
        user = make_user(username, groups=[role])
        assert [group.name for group in user.groups.all()] == [role]
    usernames = get_user_model().objects.values_list("username", flat=True)
    data_words = {name.lower() for name in usernames}

    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=VIEWPORT
    )
    context.set_default_timeout(20_000)
    outside: list[str] = []
    context.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith((base, "data:", "blob:"))
            else None
        ),
    )
    page = context.new_page()
    errors: list[str] = []
    console_recorder(page, errors)
    try:
        # The login page is checked too, before anyone is signed in.
        login = Sweep(base=base, data_words=data_words, errors=errors)
        visit(page, login, "/admin/login/", DEPTH, [])
        log_in(page, base, username, "pw")
        sweep = sweep_role(page, base, data_words, errors)
    finally:
        context.close()

    problems = login.problems + sweep.problems
    problems += [f"request to another origin: {url}" for url in sorted(set(outside))]
    # The pass did reach every entry of the role's menu, not only the dashboard.
    assert len(sweep.menu) >= 2, sweep.menu
    missed = {
        path
        for path in sweep.menu
        if path not in sweep.visited
        and sweep.page_key(path) not in map(sweep.page_key, sweep.visited)
    }
    assert not missed, f"menu entries not visited: {missed}"
    assert not problems, (
        f"{role}: {len(problems)} problem(s) on {len(sweep.visited)} pages:\n"
        + "\n".join(problems)
        + "\n\npages visited:\n"
        + json.dumps(sweep.visited, ensure_ascii=False, indent=1)
    )
