from django import template

from ..player import player_context

register = template.Library()


@register.inclusion_tag("media_pipeline/includes/player.html")
def media_player(asset, download=False):
    """The HLS player (MP4 fallback) for a ready asset; nothing otherwise.
    ``download``: show a button that downloads the MP4."""
    return {"player": player_context(asset, download=bool(download))}
