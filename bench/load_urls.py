"""The load benchmark's URLs: the project's, plus the bare page.

``/bench/html/<name>`` sends a saved HTML file (a copy of a public page's
answer, byte for byte) with a bare ``FileResponse``: what the same server
answers for a page of the same size without making it or looking it up.
"""

import os
from pathlib import Path

from django.http import FileResponse
from django.urls import path

from bench.partner_api_urls import ready
from cms.urls import urlpatterns as project_urlpatterns


def html_file(request, name: str):
    folder = Path(os.environ["BENCH_HTML_DIR"])
    return FileResponse(
        open(folder / name, "rb"),  # noqa: SIM115 - closed by the response
        content_type="text/html; charset=utf-8",
    )


urlpatterns = [
    path("bench/ready", ready),
    path("bench/html/<str:name>", html_file),
    *project_urlpatterns,
]
