"""What a player needs to play a ready asset: URLs of its renditions and of
its subtitle tracks, its sprite track for scrubbing, and where its download
is offered, if anywhere (the page decides and serves it; the media library
knows no page)."""

from .models import MediaAsset, Rendition, RenditionKind, SubtitleTrack
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


#: What a download gives, best first: the video's MP4, else the audio's M4A.
DOWNLOAD_KINDS = (RenditionKind.MP4, RenditionKind.M4A)


def download_rendition(asset: MediaAsset | None) -> Rendition | None:
    """The file a download of the ready asset gives, or None."""
    if asset is None or not asset.is_ready:
        return None
    for kind in DOWNLOAD_KINDS:
        rendition = asset.rendition(kind)
        if rendition is not None:
            return rendition
    return None


def player_context(asset: MediaAsset | None, *, download_url: str = "") -> dict | None:
    """None until the asset is ready, so pages simply show no player.

    ``download_url``: where the page offers the asset's MP4 (or M4A) as a
    download, shown as a button that works without JavaScript too; empty
    when the page offers none."""
    if asset is None or not asset.is_ready:
        return None
    prefix = asset.published_job.output_prefix + "/"
    urls = {}
    for rendition in asset.renditions.order_by("-height"):
        urls.setdefault(
            rendition.kind, file_url(asset, rendition.name.removeprefix(prefix))
        )
    mp4 = urls.get(RenditionKind.MP4) or urls.get(RenditionKind.M4A)
    return {
        "asset": asset,
        "hls": urls.get(RenditionKind.HLS_MASTER),
        "mp4": mp4,
        "mp3": urls.get(RenditionKind.MP3),
        "poster": urls.get(RenditionKind.POSTER) or urls.get(RenditionKind.WAVEFORM),
        "sprite_vtt": urls.get(RenditionKind.SPRITE_VTT),
        "tracks": track_context(list(asset.subtitle_tracks.in_order())),
        "is_audio": asset.kind == "audio",
        "download": download_url,
        "download_name": download_name(asset, mp4 or ""),
        "remember_position": bool(
            asset.duration and asset.duration >= REMEMBER_POSITION_AFTER_SECONDS
        ),
        "rates": PLAYBACK_RATES,
    }


def download_name(asset: MediaAsset, url_or_name: str) -> str:
    """The name a download is saved under: the asset's title with the
    file's suffix (``mp4`` when it has none),
    without the characters file systems refuse."""
    last = url_or_name.rsplit("/", 1)[-1]
    suffix = last.rsplit(".", 1)[-1] if "." in last else "mp4"
    safe = "".join(c for c in asset.title if c not in '\\/:*?"<>|').strip()
    return f"{safe or asset.key}.{suffix}"
