from django.urls import path

from .views.files import media_file
from .views.subtitles import subtitle_file

app_name = "media_files"

urlpatterns = [
    # Before the catch-all: no transcode output lives under "subtitles/".
    path(
        "<uuid:key>/subtitles/<int:track_id>.vtt",
        subtitle_file,
        name="subtitle",
    ),
    path("<uuid:key>/<path:relative>", media_file, name="file"),
]
