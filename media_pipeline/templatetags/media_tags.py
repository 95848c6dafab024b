from django import template

from ..models import RenditionKind
from ..player import player_context

register = template.Library()


@register.inclusion_tag("media_pipeline/includes/player.html")
def media_player(asset, download=""):
    """The HLS player (MP4 fallback) for a ready asset; nothing otherwise.
    ``download``: the address of the page's download, shown as a button;
    empty when the page offers none."""
    return {"player": player_context(asset, download_url=download or "")}


@register.filter
def rendition_kind_label(kind: str) -> str:
    """A rendition kind as editors read it (HLS 主播放列表, not hls_master)."""
    return RenditionKind(kind).label if kind in RenditionKind.values else kind
