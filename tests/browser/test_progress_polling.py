"""progress.js in real Chromium, against canned answers of the progress view."""

import json
from urllib.parse import parse_qs, urlsplit

PROGRESS_URL = "/admin/media/progress/"

LISTING_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>媒体库</title></head>
<body>
<table data-progress-url="{progress_url}"><tbody>
  <tr><td id="a1" data-media-progress data-asset-id="1">
    <span class="js-status">已上传</span><span class="js-phase"></span>
    <progress class="js-progress" max="100" value="0"></progress>
    <span class="js-eta"></span><span class="js-reason"></span></td></tr>
  <tr><td id="a2" data-media-progress data-asset-id="2">
    <span class="js-status">处理中</span>
    <progress class="js-progress" max="100" value="10"></progress>
    <span class="js-eta"></span><span class="js-reason"></span></td></tr>
  <tr><td id="a3" class="is-ready" data-media-progress data-asset-id="3">
    <span class="js-status">可用</span></td></tr>
</tbody></table>
<script src="{progress_js}"></script>
</body></html>
"""

DETAIL_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>媒体详情</title></head>
<body>
<div data-progress-url="{progress_url}">
  <section id="a7" data-media-progress data-asset-id="7" data-reload-when-ready>
    <span class="js-status">处理中</span>
    <progress class="js-progress" max="100" value="0"></progress>
    <span class="js-eta"></span><p class="js-reason"></p>
  </section>
</div>
<script src="{progress_js}"></script>
</body></html>
"""


def asset(asset_id, status, label, **extra):
    return {
        "id": asset_id,
        "status": status,
        "status_label": label,
        "phase_label": "",
        "progress": 0,
        "eta_seconds": None,
        "failure_reason": "",
        **extra,
    }


class ProgressView:
    """Answers each poll with the next of ``answers`` (the last one repeats)."""

    def __init__(self, site, answers):
        self.answers = answers
        self.asked: list[list[str]] = []
        site.add_handler(PROGRESS_URL, self)

    def __call__(self, route, request, path):
        ids = parse_qs(urlsplit(path).query).get("id", [])
        self.asked.append(ids)
        answer = self.answers[min(len(self.asked), len(self.answers)) - 1]
        assets = [a for a in answer if str(a["id"]) in ids]
        route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps({"assets": assets}, ensure_ascii=False),
        )


def text(page, selector):
    return page.locator(selector).inner_text()


def test_listing_is_polled_until_nothing_is_in_progress(site, page):
    view = ProgressView(
        site,
        [
            [
                asset(
                    1,
                    "processing",
                    "处理中",
                    phase_label="转码",
                    progress=42.5,
                    eta_seconds=30,
                ),
                asset(2, "failed", "失败", failure_reason="不是可识别的媒体文件。"),
            ],
            [asset(1, "ready", "可用", progress=100)],
        ],
    )
    url = site.add_page(
        "/admin/media/",
        LISTING_PAGE.format(
            progress_url=PROGRESS_URL,
            progress_js=site.add_static("media_pipeline/js/progress.js"),
        ),
    )
    page.goto(url)

    page.wait_for_selector("#a1.is-processing")
    assert text(page, "#a1 .js-status") == "处理中"
    assert text(page, "#a1 .js-phase") == "转码"
    assert text(page, "#a1 .js-eta") == "约 30 秒"
    assert page.eval_on_selector("#a1 .js-progress", "bar => bar.value") == 42.5
    assert "is-failed" in page.get_attribute("#a2", "class")
    assert text(page, "#a2 .js-reason") == "不是可识别的媒体文件。"
    # Already ready when the page was made: never asked about.
    assert view.asked[0] == ["1", "2"]

    page.wait_for_selector("#a1.is-ready")
    assert text(page, "#a1 .js-status") == "可用"
    assert text(page, "#a1 .js-eta") == ""
    assert view.asked[1] == ["1"]
    # Nothing left in progress: polling has stopped.
    page.wait_for_timeout(4500)
    assert len(view.asked) == 2


def test_a_detail_page_reloads_once_when_its_asset_is_ready(site, page):
    view = ProgressView(
        site,
        [
            [asset(7, "processing", "处理中", progress=90, eta_seconds=75)],
            [asset(7, "ready", "可用", progress=100)],
        ],
    )
    url = site.add_page(
        "/admin/media/inspect/7/",
        DETAIL_PAGE.format(
            progress_url=PROGRESS_URL,
            progress_js=site.add_static("media_pipeline/js/progress.js"),
        ),
    )
    page.goto(url)
    page.wait_for_function("document.querySelector('#a7 .js-eta').textContent")
    assert text(page, "#a7 .js-eta") == "约 1 分 15 秒"

    # Ready: the page reloads, and the reloaded page (still marked
    # data-reload-when-ready, asset ready at once) does not reload again.
    page.wait_for_timeout(5000)
    loads = [r for r in site.requests if r.url.endswith("/admin/media/inspect/7/")]
    assert len(loads) == 2
    assert "is-ready" in page.get_attribute("#a7", "class")
    assert all(ids == ["7"] for ids in view.asked)
