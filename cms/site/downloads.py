"""Which pages offer their media as a download, and the download itself.

Each media page says it in 公开页面提供下载 (``allow_download``): 允许,
不允许, or by default 跟随版权方 — the brand gives away its own works, so a
page whose 版权方 is the association (``DEFAULT_RIGHTS_HOLDER``) offers the
download and a work whose rights belong to someone else is only played.

The button points at ``/download/<page id>/``, which asks the same question
again: a page that offers no download answers 404 there, whoever knows the
address. (The player's own MP4 source stays playable, as it must be to play.)
"""

from django.urls import reverse

from cms.core.models import DEFAULT_RIGHTS_HOLDER, DownloadChoice


def downloads_allowed(page) -> bool:
    choice = getattr(page, "allow_download", None)
    if choice == DownloadChoice.ALLOW:
        return True
    if choice == DownloadChoice.DENY:
        return False
    return getattr(page, "rights_holder", None) == DEFAULT_RIGHTS_HOLDER


def download_url(page) -> str:
    """The page's download address if it offers one, else ""."""
    if not downloads_allowed(page):
        return ""
    return reverse("site:download", args=[page.pk])
