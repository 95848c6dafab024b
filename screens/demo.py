"""The demo's outdoor screens: one bus network with two screen sizes (a
silent 768×384 in-bus strip and a 1920×540 station wall with sound), a
playlist of the demo promo film and two slides with its files made, and a
play log for yesterday. Loading twice changes nothing."""

import datetime as dt

from django.utils import timezone
from wagtail.images import get_image_model

from brand_assets.models import BrandVariant
from cms.schedules.timezones import local
from media_pipeline.models import MediaAsset
from syndication.models import PartnerAccount, Platform

from .models import (
    Fit,
    NetworkKind,
    Playlist,
    PlaylistItem,
    Screen,
    ScreenNetwork,
    ScreenSize,
)
from .proof_of_play import play_log_import
from .services import playlist_renditions_request, rendition_make

NETWORK_SLUG = "ordos-bus"
OPERATOR = "鄂尔多斯公交传媒"
FILM_TITLE = "演示视频：库布其的星空（16:9）"
#: (name, width, height, has sound, fit, screens)
SIZES = [
    ("车厢横条屏", 768, 384, False, Fit.PAD, ["K1 路 001 车厢", "K1 路 002 车厢"]),
    ("枢纽站台长屏", 1920, 540, True, Fit.CROP, ["东胜公交枢纽 站台"]),
]
PLAYLIST_NAME = "冬季科普宣传轮播"


def _operator() -> PartnerAccount:
    # Not a delivery platform: nothing of the ledger goes to it (so it is not
    # 启用 there, and the adoption report leaves it out); its partners only
    # fetch their screen network's playlists.
    platform, _ = Platform.objects.get_or_create(
        slug="outdoor-screens",
        defaults={
            "name": "户外屏幕",
            "description": "公交、铁路、机场、商场与城区商铺的 LED 屏幕网络运营方；"
            "只通过接口获取播放列表，不接收节目交付。",
            "is_active": False,
        },
    )
    partner, _ = PartnerAccount.objects.get_or_create(
        name=OPERATOR, defaults={"platform": platform}
    )
    return partner


def _network() -> ScreenNetwork:
    network, _ = ScreenNetwork.objects.get_or_create(
        slug=NETWORK_SLUG,
        defaults={
            "name": "鄂尔多斯公交车载屏",
            "kind": NetworkKind.BUS,
            "operator": _operator(),
            "description": "公交车厢内的 LED 横条屏与公交枢纽站台的长屏。",
        },
    )
    for name, width, height, has_sound, fit, screens in SIZES:
        size, _ = ScreenSize.objects.get_or_create(
            network=network,
            width=width,
            height=height,
            has_sound=has_sound,
            defaults={"name": name, "fit": fit},
        )
        for screen in screens:
            Screen.objects.get_or_create(
                network=network, name=screen, defaults={"size": size}
            )
    return network


def _playlist(network: ScreenNetwork) -> Playlist:
    existing = Playlist.objects.filter(network=network, name=PLAYLIST_NAME).first()
    if existing:
        return existing
    today = local(timezone.now()).date()
    playlist = Playlist.objects.create(
        network=network,
        name=PLAYLIST_NAME,
        valid_from=today - dt.timedelta(days=7),
        valid_until=today + dt.timedelta(days=60),
    )
    film = MediaAsset.objects.filter(title=FILM_TITLE).first()
    mark = BrandVariant.objects.filter(
        version__asset__slug="baigali-mark", version__is_approved=True, format="png"
    ).first()
    cover = get_image_model().objects.filter(title__startswith="演示封面").first()
    entries = [
        {"media_asset": film} if film and film.is_ready else None,
        {"brand_variant": mark, "slide_seconds": 8} if mark else None,
        {"image": cover, "slide_seconds": 6} if cover else None,
    ]
    for order, entry in enumerate(e for e in entries if e):
        PlaylistItem.objects.create(playlist=playlist, sort_order=order, **entry)
    return playlist


def _play_log(network: ScreenNetwork, playlist: Playlist) -> None:
    if network.plays.exists():
        return
    yesterday = local(timezone.now()).date() - dt.timedelta(days=1)
    rows = ["频道,实际开始,实际结束,节目名称"]
    start = dt.datetime.combine(yesterday, dt.time(8, 0))
    for item in playlist.items.all():
        end = start + dt.timedelta(seconds=item.slide_seconds or 12)
        rows.append(
            f"K1 路 001 车厢,{start:%Y-%m-%d %H:%M:%S},{end:%Y-%m-%d %H:%M:%S},"
            f"{item.title}"
        )
        start = end
    play_log_import(
        network=network.slug,
        file_name=f"play-log-{yesterday}.csv",
        content="\n".join(rows).encode(),
    )


def demo_screens() -> Playlist:
    network = _network()
    playlist = _playlist(network)
    # Made here, not on the queue, so the demo's zip downloads at once.
    for rendition in playlist_renditions_request(playlist=playlist, dispatch=False):
        rendition_make(rendition_id=rendition.pk)
    _play_log(network, playlist)
    return playlist
