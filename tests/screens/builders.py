"""Networks, playlists and small real media for the screens tests."""

import datetime as dt
import io
from pathlib import Path

from django.core.files.images import ImageFile
from PIL import Image
from wagtail.images import get_image_model

from media_pipeline.services.assets import asset_create_from_upload
from media_pipeline.services.subtitles import subtitle_track_add
from screens.models import Fit, Playlist, PlaylistItem, ScreenNetwork, ScreenSize
from screens.services import playlist_renditions_request, rendition_make
from tests.media_pipeline.media import make_video

SUBTITLES = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n百嘎丽 BAIGALI\n"


def make_network(slug="test-bus", *, operator=None, sizes=True) -> ScreenNetwork:
    network = ScreenNetwork.objects.create(
        name=f"测试网络 {slug}", slug=slug, kind="bus", operator=operator
    )
    if sizes:
        ScreenSize.objects.create(
            network=network, name="车厢屏", width=768, height=384, fit=Fit.PAD
        )
        ScreenSize.objects.create(
            network=network,
            name="站台屏",
            width=1920,
            height=540,
            has_sound=True,
            fit=Fit.CROP,
        )
    return network


def film_asset(folder: Path, *, title="测试宣传片", subtitles=True):
    path = make_video(folder / "promo.mp4", width=320, height=180, seconds=1.2, fps=25)
    asset = asset_create_from_upload(
        staged_path=path, filename="promo.mp4", title=title, start_processing=False
    )
    if subtitles:
        subtitle_track_add(
            asset=asset,
            source=io.BytesIO(SUBTITLES.encode()),
            filename="promo.vtt",
            language="zh-Hans",
        )
    return asset


def slide_image(title="测试图片", size=(400, 300), colour="white"):
    picture = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return get_image_model().objects.create(
        title=title, file=ImageFile(buffer, name=f"{title}.png")
    )


def make_playlist(network, *entries, name="测试轮播") -> Playlist:
    today = dt.date.today()
    playlist = Playlist.objects.create(
        network=network,
        name=name,
        valid_from=today - dt.timedelta(days=1),
        valid_until=today + dt.timedelta(days=30),
    )
    for order, entry in enumerate(entries):
        PlaylistItem.objects.create(playlist=playlist, sort_order=order, **entry)
    return playlist


def make_files(playlist) -> list:
    """Every file of the playlist made here, as the worker would."""
    renditions = playlist_renditions_request(playlist=playlist, dispatch=False)
    for rendition in renditions:
        assert rendition_make(rendition_id=rendition.pk) in ("ready", "skipped")
    return renditions
