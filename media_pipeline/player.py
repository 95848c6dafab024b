"""What a player needs to play a ready asset: URLs of its renditions and of
its subtitle tracks."""

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


def player_context(asset: MediaAsset | None) -> dict | None:
    """None until the asset is ready, so pages simply show no player."""
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
    }
