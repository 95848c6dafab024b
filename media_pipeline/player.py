"""What a player needs to play a ready asset: URLs of its renditions and of
its subtitle tracks, its sprite track for scrubbing, and whether to offer
the MP4 as a download (the page decides; the media library knows no page)."""

from .models import MediaAsset, RenditionKind, SubtitleTrack
from .serving import file_url, subtitle_url


def track_context(tracks: list[SubtitleTrack]) -> list[dict]:
    """``<track>`` attributes; the first Chinese track is shown by default,
    as the brand's Mandarin programmes carry Chinese subtitles."""
    default = next((t for t in tracks if t.is_chinese), None)
    return [
        {
            "src": subtitle_url(track),
            "srclang": track.language,
            "label": track.label,
            "kind": track.kind,
            "default": track is default,
        }
        for track in tracks
    ]


#: Programmes at least this long remember where the viewer stopped
#: (player.js keeps the position in localStorage, per asset).
REMEMBER_POSITION_AFTER_SECONDS = 10 * 60
#: The speeds the player offers.
PLAYBACK_RATES = (0.75, 1, 1.25, 1.5, 2)


def player_context(asset: MediaAsset | None, *, download: bool = False) -> dict | None:
    """None until the asset is ready, so pages simply show no player.

    ``download``: the page allows its MP4 to be downloaded (a visible
    button, which works without JavaScript too)."""
    if asset is None or not asset.is_ready:
        return None
    prefix = asset.published_job.output_prefix + "/"
    urls = {}
    for rendition in asset.renditions.order_by("-height"):
        urls.setdefault(
            rendition.kind, file_url(asset, rendition.name.removeprefix(prefix))
        )
    return {
        "asset": asset,
        "hls": urls.get(RenditionKind.HLS_MASTER),
        "mp4": urls.get(RenditionKind.MP4) or urls.get(RenditionKind.M4A),
        "mp3": urls.get(RenditionKind.MP3),
        "poster": urls.get(RenditionKind.POSTER) or urls.get(RenditionKind.WAVEFORM),
        "sprite_vtt": urls.get(RenditionKind.SPRITE_VTT),
        "tracks": track_context(list(asset.subtitle_tracks.in_order())),
        "is_audio": asset.kind == "audio",
        "download": download,
        "download_name": _download_name(asset, urls),
        "remember_position": bool(
            asset.duration and asset.duration >= REMEMBER_POSITION_AFTER_SECONDS
        ),
        "rates": PLAYBACK_RATES,
    }


def _download_name(asset: MediaAsset, urls: dict) -> str:
    """The file name a download is saved under: the asset's title."""
    url = urls.get(RenditionKind.MP4) or urls.get(RenditionKind.M4A) or ""
    suffix = url.rsplit(".", 1)[-1] if "." in url.rsplit("/", 1)[-1] else "mp4"
    safe = "".join(c for c in asset.title if c not in '\\/:*?"<>|').strip()
    return f"{safe or asset.key}.{suffix}"
