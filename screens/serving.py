"""The playlist zip as a download, for the admin and the partner API alike."""

from media_pipeline.file_responses import NO_STORE, file_response

from .models import Playlist
from .packages import playlist_package


def package_response(request, playlist: Playlist):
    """The playlist's zip (built first if its files changed), through the
    file responses every user file goes through. Raises ``PlaylistNotReady``
    with the reason while files are missing."""
    name = playlist_package(playlist)
    return file_response(
        request,
        name,
        content_type="application/zip",
        cache_control=NO_STORE,
        filename=f"{playlist.network.slug}-playlist-{playlist.pk}.zip",
        attachment=True,
        etag=playlist.package_key,
    )
