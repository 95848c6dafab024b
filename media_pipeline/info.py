"""A complete, serialisable description of an asset, for media_info and the
admin's detail view."""

import json

from .models import MediaAsset
from .serving import rendition_url


def dumps(info: dict) -> str:
    return json.dumps(info, ensure_ascii=False, indent=2)


def asset_info(asset: MediaAsset) -> dict:
    video = next(
        (s for s in asset.probe.get("streams", []) if s.get("codec_type") == "video"),
        None,
    )
    return {
        "id": asset.pk,
        "title": asset.title,
        "kind": asset.kind,
        "status": asset.status,
        "failure_reason": asset.failure_reason,
        "sha256": asset.sha256,
        "size": asset.size,
        "original": asset.original.name,
        "probe": {
            "container": asset.container,
            "duration": asset.duration,
            "width": asset.width,
            "height": asset.height,
            "frame_rate": asset.frame_rate,
            "video_codec": asset.video_codec,
            "audio_codec": asset.audio_codec,
            "video_profile": video.get("profile") if video else None,
            "streams": [
                {
                    "index": s.get("index"),
                    "type": s.get("codec_type"),
                    "codec": s.get("codec_name"),
                }
                for s in asset.probe.get("streams", [])
            ],
        },
        "loudness": {
            "integrated_lufs": asset.loudness_integrated,
            "range_lu": asset.loudness_range,
            "true_peak_dbtp": asset.loudness_true_peak,
        },
        "renditions": [
            {
                "kind": r.kind,
                "name": r.name,
                "url": rendition_url(asset, r),
                "mime_type": r.mime_type,
                "size": r.size,
                "width": r.width,
                "height": r.height,
                "bitrate": r.bitrate,
                "duration": r.duration,
            }
            for r in asset.renditions.order_by("kind", "name")
        ],
    }
