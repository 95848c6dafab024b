"""Screenshots of the public site for the README: `make screenshots`.

Loads the demo (with its media, through the real pipeline) into a database
of its own under var/screenshots/, serves it with the development server
and photographs each page type in the system Chromium at a laptop and a
phone width, into docs/screenshots/<page>-<width>.png. The pictures are
reduced to 256 colours so that the set stays small enough to commit.

Needs a CJK font (the set-up installs fonts-noto-cjk), or every Chinese
character is an empty box.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

PROJECT_DIR = Path(__file__).resolve().parent.parent
OUTPUT_DIR = PROJECT_DIR / "docs" / "screenshots"
VAR_DIR = PROJECT_DIR / "var" / "screenshots"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
#: Width → viewport height: a laptop and a phone (WeChat's browser).
VIEWPORTS = {1366: 768, 390: 844}
#: Pages taller than this are cut here: the top is what the README shows.
MAX_HEIGHT = {1366: 1600, 390: 2400}
SEARCH_QUERY = "沙漠"

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
    "VAR_DIR": str(VAR_DIR),
    "DATABASE_URL": f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
    "MEDIA_ROOT": str(VAR_DIR / "media"),
}


def django_setup() -> None:
    os.environ.update(ENV)
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()


def load_demo() -> None:
    """Migrate and load the demo with media (again: loading is idempotent)."""
    from django.core.management import call_command

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo")
    call_command("update_index", verbosity=0)


def pages_to_show() -> dict[str, str]:
    """Name → path of each page the README shows."""
    from cms.music.models import MusicWorkPage
    from cms.programmes.models import EpisodePage, ProgramPage
    from cms.videos.models import ShortVideoPage

    def with_media(model):
        return model.objects.live().exclude(media_asset=None).order_by("path").first()

    episode = with_media(EpisodePage)
    return {
        "home": "/",
        "programme": ProgramPage.objects.live().order_by("path").first().url,
        "episode": episode.url,
        "short-video": with_media(ShortVideoPage).url,
        "music-work": with_media(MusicWorkPage).url,
        "search": f"/search/?q={SEARCH_QUERY}",
        "embed": f"/embed/{episode.pk}/",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=PROJECT_DIR,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=(VAR_DIR / "server.log").open("w"),
    )
    for _ in range(150):
        if server.poll() is not None:
            raise SystemExit(f"the server stopped; see {VAR_DIR / 'server.log'}")
        try:
            with urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=2):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not answer within 30 s")


def settle(page) -> None:
    """Until the player (if any) is set up and every picture has loaded
    (lazy ones too: the screenshot shows the whole page)."""
    page.evaluate(
        "() => document.querySelectorAll('img[loading=lazy]')"
        ".forEach(i => { i.loading = 'eager'; })"
    )
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure[data-media-player]')]"
        ".every(f => f.dataset.enhanced)"
        " && [...document.images].every(i => i.complete)"
    )
    page.evaluate("() => document.fonts.ready")


def shoot(base_url: str, paths: dict[str, str]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for width, height in VIEWPORTS.items():
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    locale="zh-CN",
                    timezone_id="Asia/Shanghai",
                    device_scale_factor=1,
                )
                page = context.new_page()
                for name, path in paths.items():
                    response = page.goto(base_url + path)
                    status = response.status if response else None
                    if status != 200:
                        raise SystemExit(f"{path} answered {status}")
                    settle(page)
                    full = page.evaluate("() => document.documentElement.scrollHeight")
                    target = OUTPUT_DIR / f"{name}-{width}.png"
                    page.screenshot(
                        path=str(target),
                        full_page=True,
                        clip={
                            "x": 0,
                            "y": 0,
                            "width": width,
                            "height": min(full, MAX_HEIGHT[width]),
                        },
                    )
                    written.append(target)
                context.close()
        finally:
            browser.close()
    return written


def shrink(path: Path) -> None:
    """256 colours: a fraction of the size, and text stays sharp."""
    from PIL import Image

    with Image.open(path) as picture:
        reduced = picture.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT
        )
    reduced.save(path, optimize=True)


def main() -> None:
    if not CHROMIUM.is_file():
        raise SystemExit(f"{CHROMIUM} is missing: run `bash scripts/setup.sh` as root")
    django_setup()
    load_demo()
    paths = pages_to_show()
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = start_server(port)
    try:
        written = shoot(f"http://127.0.0.1:{port}", paths)
    finally:
        server.terminate()
        server.wait(timeout=10)
    for path in written:
        shrink(path)
    total = sum(path.stat().st_size for path in written)
    for path in written:
        print(f"{path.relative_to(PROJECT_DIR)}  {path.stat().st_size // 1024} KB")
    print(f"{len(written)} screenshots, {total / 1024 / 1024:.1f} MB")


if __name__ == "__main__":
    main()
