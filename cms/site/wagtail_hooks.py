from wagtail import hooks

from .page_cache import CACHEABLE_ATTR


@hooks.register("before_serve_page")
def mark_public_pages_cacheable(page, request, serve_args, serve_kwargs):
    """Pages anyone may view may be kept by ``PublicPageCacheMiddleware``;
    restricted ones (password, login, groups) never are."""
    setattr(
        request,
        CACHEABLE_ATTR,
        not getattr(request, "is_preview", False)
        and not page.get_view_restrictions().exists(),
    )
