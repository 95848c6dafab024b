"""The embed page (``/embed/<page id>/``) and the oEmbed endpoint.

The embed page is the one answer of the site that other sites may frame:
its ``X-Frame-Options`` is lifted and its CSP's ``frame-ancestors`` widened,
on this view only (``EMBED_FRAME_ANCESTORS``, any site by default).
"""

from csp.decorators import csp_replace
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from media_pipeline.player import player_context

from .. import embeds
from ..downloads import download_url

FRAME_ANCESTORS = getattr(settings, "EMBED_FRAME_ANCESTORS", ["*"])


@require_safe
@xframe_options_exempt
@csp_replace({"frame-ancestors": FRAME_ANCESTORS})
def embed(request, page_id: int):
    page = embeds.embeddable_or_404(page_id)
    response = render(
        request,
        "site/embed.html",
        {
            "embedded": page,
            "player": player_context(
                page.chosen_media(), download_url=download_url(page)
            ),
            "page_url": page.get_full_url(request),
        },
    )
    # The page itself is what search engines should list, not its frame.
    response["X-Robots-Tag"] = "noindex"
    return response


def _positive(value: str | None) -> int | None:
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number and number > 0 else None


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_safe
def oembed(request):
    output = request.GET.get("format", "json")
    if output != "json":
        # The spec's answer for a format the provider does not offer.
        return _error("仅支持 format=json", status=501)
    url = request.GET.get("url", "").strip()
    if not url:
        return _error("缺少 url 参数", status=400)
    page = embeds.embeddable(embeds.page_from_url(url, request))
    if page is None:
        return _error("该地址没有可嵌入的节目", status=404)
    data = embeds.oembed_data(
        page,
        request,
        max_width=_positive(request.GET.get("maxwidth")),
        max_height=_positive(request.GET.get("maxheight")),
    )
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response
