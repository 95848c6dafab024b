"""Every public page type through axe-core in Chromium, at a desktop and a
phone width: no serious or critical violation. And the player by keyboard.

The pages come from ``live_server`` with the demo site: one live page of
every Wagtail page type (read from the models, so a new type is checked
without a change here), the media pages playing a clip made by the real
pipeline, and the views that are not pages (search results, the schedules,
the embed page, the 404 page). Each is loaded once per width.

axe-core is the npm package pinned in package.json (``npm ci`` in the
set-up). The site's CSP allows scripts only from itself and with its nonce,
so a ``<script>`` tag with axe inline would be refused; ``page.evaluate``
runs axe's source through the DevTools protocol instead, which the page's CSP
does not govern. So the pages are checked with their real CSP, not bypassed.
"""

from pathlib import Path

import pytest
from django.core.management import call_command

from tests.site.conftest import ingest_clip, public_page_types
from tests.support.page_waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
#: The two layouts the audience sees: a laptop and a phone (WeChat).
VIEWPORTS = {1366: 900, 390: 844}
FAILING_IMPACTS = ("serious", "critical")

#: axe's violations, and text whose colour equals its background: axe only
#: lists that as "incomplete" (it may be text hidden on purpose), but here
#: it was a button whose label could not be seen.
RUN_AXE = """async () => {
  const results = await axe.run(document);
  const summary = v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
  });
  const invisible = results.incomplete
    .filter(v => v.id === 'color-contrast')
    .map(v => ({...v, impact: 'serious', help: 'Text in its background colour',
                nodes: v.nodes.filter(n => n.any.some(
                  c => c.data && c.data.messageKey === 'equalRatio'))}))
    .filter(v => v.nodes.length);
  return [...results.violations, ...invisible].map(summary);
}"""


@pytest.fixture
def public_paths(settings, tmp_path, live_server) -> dict[str, str]:
    """Label → path of every public page type and view, the media pages
    (episode, short video, music work) playing one ready clip."""
    from cms.core.deliverables import deliverable_page_models
    from cms.programmes.models import EpisodePage, ProgramPage
    from cms.schedules.models import ScheduleChannel

    settings.MEDIA_ROOT = str(tmp_path / "media")
    clip = ingest_clip(tmp_path, title="无障碍样片", width=320, height=180, seconds=2)
    for model in deliverable_page_models():
        page = model.objects.live().public().order_by("path").first().specific
        page.media_asset = clip
        page.save_revision().publish()
    call_command("update_index", verbosity=0)

    paths = {}
    for model in public_page_types():
        page = model.objects.live().public().order_by("path").first()
        assert page is not None, f"the demo site has no live {model.__name__}"
        paths[str(model._meta.verbose_name)] = page.url
    episode = EpisodePage.objects.live().public().order_by("path").first()
    programme = ProgramPage.objects.live().public().order_by("path").first()
    channel = ScheduleChannel.objects.order_by("pk").first()
    assert channel is not None, "the demo site has no schedule channel"
    paths.update(
        {
            "搜索结果": "/search/?q=古如歌",
            "频道节目预告": f"/schedule/{channel.slug}/",
            "节目播出时间": f"/schedule/programmes/{programme.pk}/",
            "嵌入页": f"/embed/{episode.pk}/",
            "页面不存在": "/no-such-page/",
        }
    )
    return paths


def run_axe(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return [
        violation
        for violation in page.evaluate(RUN_AXE)
        if violation["impact"] in FAILING_IMPACTS
    ]


TAB_STOP = """() => {
  const el = document.activeElement;
  const figure = el && el.closest('figure[data-media-player]');
  if (!figure) return null;
  const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
  return {
    tag: el.tagName.toLowerCase(),
    role: el.getAttribute('role') || '',
    name: (el.getAttribute('aria-label') || label || el.textContent || '').trim(),
    outline: getComputedStyle(el).outlineStyle,
  };
}"""


def player_tab_stops(page, limit: int = 80) -> list[dict]:
    """What Tab reaches inside the player, from the top of the page on,
    in order (the native controls count once, as their video)."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    stops: list[dict] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(TAB_STOP)
        if stop is None:
            if stops:
                break  # past the player
            continue
        if not stops or stops[-1]["tag"] != stop["tag"] or stop["tag"] != "video":
            stops.append(stop)
    return stops


def check_player_by_keyboard(page) -> None:
    """Every control of the player is reached by Tab, says what it is, and
    the keys work from there: the scrub bar shows its focus, Space plays."""
    stops = player_tab_stops(page)
    described = [(stop["tag"], stop["role"], stop["name"]) for stop in stops]
    assert described[0][0] == "video", described  # the native controls
    assert ("div", "slider", "播放进度") in described, described
    assert any(tag == "select" and "倍速" in name for tag, _r, name in described)
    assert ("a", "", "下载视频") in described, described
    scrub = next(stop for stop in stops if stop["role"] == "slider")
    assert scrub["outline"] == "solid"  # :focus-visible, reached by keyboard

    figure = page.locator("figure[data-media-player]")
    figure.locator("[data-player-scrub]").focus()
    page.keyboard.press("Space")
    wait_until(figure, "f => !f.querySelector('video').paused")
    page.keyboard.press("k")
    wait_until(figure, "f => f.querySelector('video').paused")


def test_every_public_page_type_passes_axe_at_both_widths(
    live_server, page, public_paths
):
    assert AXE.is_file(), (
        f"{AXE} is missing: the set-up installs it (`npm ci`, bash scripts/setup.sh)"
    )
    found = []
    for width, height in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        for label, path in public_paths.items():
            response = page.goto(live_server.url + path)
            expected = 404 if label == "页面不存在" else 200
            assert response.status == expected, (label, path, response.status)
            if label in ("节目单集", "嵌入页"):
                wait_until(
                    page.locator("figure[data-media-player]"),
                    "f => f.dataset.enhanced",
                )
            if label == "节目单集" and width == max(VIEWPORTS):
                check_player_by_keyboard(page)
            found += [
                f"{width}px {label} {path}: {v['id']} ({v['impact']}) "
                f"{v['help']} → {v['targets']}"
                for v in run_axe(page)
            ]
    assert not found, "axe-core found serious or critical violations:\n" + (
        "\n".join(found)
    )
