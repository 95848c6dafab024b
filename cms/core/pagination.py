from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator


def paginate(request, object_list, *, per_page: int) -> PaginatorPage:
    """The page of ``object_list`` asked for by ``?page=``.

    A missing, malformed or out-of-range page number falls back to the nearest
    real page instead of raising, so a stale link never shows an error.
    """
    paginator = Paginator(object_list, per_page)
    return paginator.get_page(request.GET.get("page"))
