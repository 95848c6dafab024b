"""``/download/<page id>/``: a media page's file, saved under its title.

Only for a page anyone may watch (live, unrestricted, playing ready media:
``embeds.embeddable``) that offers downloads (``downloads_allowed``); any
other page answers 404, so a download the editor refused cannot be had by
typing its address either.
"""

from django.http import Http404
from django.views.decorators.http import require_safe
from wagtail.models import Page

from media_pipeline.file_responses import file_response
from media_pipeline.player import download_name, download_rendition

from ..downloads import downloads_allowed
from ..embeds import embeddable

#: As the media files' own answers: the page may stop offering it.
DOWNLOAD_CACHE = "public, max-age=300"


@require_safe
def download(request, page_id: int):
    page = embeddable(Page.objects.filter(pk=page_id).first())
    if page is None or not downloads_allowed(page):
        raise Http404("该节目不提供下载")
    asset = page.chosen_media()
    rendition = download_rendition(asset)
    if rendition is None:
        raise Http404("该节目不提供下载")
    return file_response(
        request,
        rendition.name,
        content_type=rendition.mime_type,
        cache_control=DOWNLOAD_CACHE,
        filename=download_name(asset, rendition.name),
        attachment=True,
        etag=f"{rendition.pk}-{rendition.size}",
        redirect_to_storage=True,
    )
