"""upload.js with the vendored Uppy bundle, in real Chromium, against a small
tus server played by the test (request interception), so that what the
widget sends is checked byte by byte: headers, metadata, chunk sizes, offsets.
"""

import base64
import json
from pathlib import Path

import pytest

MiB = 1024 * 1024
ENDPOINT = "/api/media/uploads/"
CSRF_TOKEN = "csrf-token-for-the-browser-tests"

UPLOAD_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>上传媒体</title>
<link rel="stylesheet" href="{css}"></head>
<body>
<select id="id_collection"><option value="1">根</option>
  <option value="3" selected>百嘎丽科普开讲</option></select>
<input id="id_tags" value="科普, 非遗">
<div id="media-upload" data-endpoint="{endpoint}" data-csrf-token="{token}"
     data-detail-url-template="/admin/media/inspect/0/"></div>
<script src="{uppy_js}"></script>
<script src="{upload_js}" defer></script>
</body></html>
"""


def decode_metadata(header: str) -> dict[str, str]:
    pairs = (pair.strip().partition(" ") for pair in header.split(","))
    return {key: base64.b64decode(value).decode() for key, _, value in pairs}


class TusServer:
    """tus 1.0 core + creation, as media_pipeline.tus answers it."""

    def __init__(self, site, *, finish=None):
        self.site = site
        self.uploads: dict[str, dict] = {}
        self.calls: list[dict] = []
        # finish(upload) -> (status, headers, body) once the last byte is in.
        self.finish = finish or self.asset_created
        # PATCH numbers (1-based, over the whole test) left unanswered, as a
        # connection that hangs would leave them.
        self.hang_on_patch: set[int] = set()
        self.patches = 0
        self.next_asset_id = 40
        site.add_handler(ENDPOINT, self)

    def asset_created(self, upload):
        self.next_asset_id += 1
        asset_id = self.next_asset_id
        return (
            204,
            {
                "X-Media-Asset-Id": str(asset_id),
                "X-Media-Asset-Url": f"/admin/media/inspect/{asset_id}/",
            },
            "",
        )

    def count(self, method: str) -> int:
        return sum(call["method"] == method for call in self.calls)

    def answer(self, route, status, headers=None, body=""):
        headers = {
            "Tus-Resumable": "1.0.0",
            "Cache-Control": "no-store",
            **(headers or {}),
        }
        if body:
            headers["Content-Type"] = "application/json"
        route.fulfill(status=status, headers=headers, body=body)

    def __call__(self, route, request, path):
        headers = request.all_headers()
        body = request.post_data_buffer or b""
        self.calls.append(
            {
                "method": request.method,
                "path": path,
                "headers": headers,
                "size": len(body),
            }
        )
        if request.method == "OPTIONS":
            self.answer(route, 204, {"Tus-Version": "1.0.0"})
            return
        assert headers.get("tus-resumable") == "1.0.0"
        if request.method == "POST" and path == ENDPOINT:
            upload_id = f"u{len(self.uploads) + 1:031d}"
            self.uploads[upload_id] = {
                "id": upload_id,
                "length": int(headers["upload-length"]),
                "offset": 0,
                "metadata": decode_metadata(headers.get("upload-metadata", "")),
                "outcome": None,
            }
            location = self.site.url(f"{ENDPOINT}{upload_id}/")
            self.answer(route, 201, {"Location": location})
            return
        upload = self.uploads.get(path.removeprefix(ENDPOINT).strip("/"))
        if upload is None:
            self.answer(route, 404, body=json.dumps({"error": "找不到这个上传。"}))
            return
        if request.method == "HEAD":
            if upload["outcome"]:
                status, extra, _body = upload["outcome"]
                self.answer(route, 200 if status == 204 else status, extra)
                return
            self.answer(
                route,
                200,
                {
                    "Upload-Offset": str(upload["offset"]),
                    "Upload-Length": str(upload["length"]),
                },
            )
        elif request.method == "PATCH":
            self.patches += 1
            if self.patches in self.hang_on_patch:
                return
            assert headers["content-type"] == "application/offset+octet-stream"
            if int(headers["upload-offset"]) != upload["offset"]:
                self.answer(route, 409, body=json.dumps({"error": "偏移量不一致。"}))
                return
            upload["offset"] += len(body)
            if upload["offset"] < upload["length"]:
                self.answer(route, 204, {"Upload-Offset": str(upload["offset"])})
                return
            upload["outcome"] = self.finish(upload)
            status, extra, answer = upload["outcome"]
            if status == 204:
                extra = {**extra, "Upload-Offset": str(upload["offset"])}
            self.answer(route, status, extra, answer)
        elif request.method == "DELETE":
            del self.uploads[upload["id"]]
            self.answer(route, 204)
        else:
            self.answer(route, 405)


@pytest.fixture
def upload_page(site, page):
    def open_page():
        url = site.add_page(
            "/admin/media/upload/",
            UPLOAD_PAGE.format(
                css=site.add_static("media_pipeline/css/media_admin.css"),
                endpoint=ENDPOINT,
                token=CSRF_TOKEN,
                uppy_js=site.add_static("vendor/uppy/uppy.min.js"),
                upload_js=site.add_static("media_pipeline/js/upload.js"),
            ),
        )
        page.goto(url)
        page.wait_for_selector("#media-upload .media-uploader__drop")

    return open_page


def make_file(folder: Path, name: str, size: int) -> Path:
    path = folder / name
    # Not all zeros, so a chunk sent twice or out of order would show.
    block = bytes(range(256)) * 4096
    with open(path, "wb") as file:
        for start in range(0, size, len(block)):
            file.write(block[: min(len(block), size - start)])
    return path


def wait_until(page, condition, timeout: float = 15) -> None:
    """Wait for a condition on the test's side; the page (and the route
    handlers answering it) keep running meanwhile."""
    for _ in range(int(timeout * 20)):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("timed out")


def row(page, name: str):
    return page.locator(".media-upload-list li.media-upload-row").filter(
        has=page.locator(".media-upload-row__name", has_text=name)
    )


def test_several_files_upload_in_8_mib_chunks_with_metadata_and_csrf(
    site, page, upload_page, tmp_path
):
    tus = TusServer(site)
    upload_page()
    big = make_file(tmp_path, "古如歌 第一集.mp4", 9 * MiB + 123)
    small = make_file(tmp_path, "片头.wav", 4096)

    page.set_input_files("#media-upload-files", [big, small])

    for name in (big.name, small.name):
        page.wait_for_selector(
            f".media-upload-row.is-done:has-text('{name}') .media-upload-row__link"
        )
    assert tus.count("POST") == 2
    # Every tus request carries the CSRF token.
    assert all(call["headers"].get("x-csrftoken") == CSRF_TOKEN for call in tus.calls)
    uploads = {
        upload["metadata"]["filename"]: upload for upload in tus.uploads.values()
    }
    assert uploads[big.name]["metadata"] == {
        "filename": big.name,
        "title": "古如歌 第一集",
        "collection": "3",
        "tags": "科普, 非遗",
    }
    assert uploads[small.name]["metadata"]["title"] == "片头"
    big_patches = [
        call["size"]
        for call in tus.calls
        if call["method"] == "PATCH" and uploads[big.name]["id"] in call["path"]
    ]
    assert big_patches == [8 * MiB, 1 * MiB + 123]

    link = row(page, big.name).locator("a.media-upload-row__link")
    assert link.inner_text() == "查看处理进度"
    assert link.get_attribute("href").startswith("/admin/media/inspect/4")
    assert row(page, big.name).locator(".media-upload-row__status").inner_text() == (
        "上传完成"
    )
    assert page.locator("progress.media-upload-row__bar").evaluate_all(
        "bars => bars.map(bar => bar.value)"
    ) == [100, 100]
    # Nothing left to resume.
    assert (
        page.evaluate(
            "Object.keys(localStorage).filter(key => key.startsWith('tus::'))"
        )
        == []
    )


def test_a_duplicate_shows_the_servers_message_and_is_not_sent_again(
    site, page, upload_page, tmp_path
):
    message = "媒体库中已有相同的文件（编号 5），无需重复上传。"
    tus = TusServer(
        site,
        finish=lambda upload: (
            409,
            {},
            json.dumps({"error": message, "existing_id": 5}, ensure_ascii=False),
        ),
    )
    upload_page()
    file = make_file(tmp_path, "重复.mp4", 1 * MiB)

    page.set_input_files("#media-upload-files", [file])

    failed = page.locator(".media-upload-row.is-error")
    failed.wait_for()
    assert message in failed.locator(".media-upload-row__message").inner_text()
    assert failed.locator("a").get_attribute("href") == "/admin/media/inspect/5/"
    assert failed.locator(".media-upload-row__retry").is_hidden()
    page.wait_for_timeout(1500)
    # Not retried, and above all not uploaded a second time.
    assert (tus.count("POST"), tus.count("PATCH")) == (1, 1)
    assert (
        page.evaluate(
            "Object.keys(localStorage).filter(key => key.startsWith('tus::'))"
        )
        == []
    )


def test_a_refused_file_shows_the_chinese_reason(site, page, upload_page, tmp_path):
    reason = "无法识别的媒体文件：没有可用的视频或音频流。"
    TusServer(
        site,
        finish=lambda upload: (
            422,
            {},
            json.dumps({"error": reason}, ensure_ascii=False),
        ),
    )
    upload_page()
    page.set_input_files("#media-upload-files", [make_file(tmp_path, "a.txt", 10)])

    failed = page.locator(".media-upload-row.is-error")
    failed.wait_for()
    assert failed.locator(".media-upload-row__message").inner_text() == reason
    assert failed.locator(".media-upload-row__status").inner_text() == "上传失败"


def test_pause_then_resume_after_a_reload_from_the_servers_offset(
    site, page, upload_page, tmp_path
):
    tus = TusServer(site)
    # The second chunk hangs, as on a dropped connection.
    tus.hang_on_patch = {2}
    upload_page()
    file = make_file(tmp_path, "非遗里的科普.mov", 20 * MiB)
    page.set_input_files("#media-upload-files", [file])

    # The first chunk is acknowledged once the second one is on its way.
    wait_until(page, lambda: tus.patches >= 2)
    item = row(page, file.name)
    item.locator(".media-upload-row__pause").click()
    assert "is-paused" in item.get_attribute("class")
    assert item.locator(".media-upload-row__pause").inner_text() == "继续"

    page.reload()
    page.wait_for_selector("#media-upload .media-uploader__drop")
    stored = page.locator(".media-upload-list--stored li")
    assert stored.locator(".media-upload-row__name").inner_text() == file.name
    # The server is asked how far it got: 8 MiB of 20.
    page.wait_for_function(
        "document.querySelector('.media-upload-list--stored .media-upload-row__status')"
        ".textContent === '已上传 40.0%'"
    )

    page.set_input_files("#media-upload-files", [file])
    page.wait_for_selector(".media-upload-row.is-done .media-upload-row__link")
    assert stored.count() == 0
    assert tus.count("POST") == 1
    resumed = [
        int(call["headers"]["upload-offset"])
        for call in tus.calls
        if call["method"] == "PATCH"
    ][2:]
    assert resumed == [8 * MiB, 16 * MiB]
    (upload,) = tus.uploads.values()
    assert upload["offset"] == upload["length"] == 20 * MiB
