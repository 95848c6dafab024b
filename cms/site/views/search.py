"""The public search page and the suggestions under the header's box."""

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cms.core.pagination import paginate
from search_engine.services import search_pages

from ..search import (
    KINDS,
    KINDS_BY_SLUG,
    RESULTS_PER_PAGE,
    SUGGESTION_COUNT,
    clean_query,
    highlight,
    kind_label,
)
from ..seo import page_description


@require_safe
def search(request):
    query, problem = clean_query(request.GET.get("q", ""))
    kind = KINDS_BY_SLUG.get(request.GET.get("kind", ""))
    results = None
    if query:
        found = search_pages(query, kinds=kind.models if kind else None)
        results = paginate(request, found, per_page=RESULTS_PER_PAGE)
        results.rows = [
            {
                "page": page,
                "kind": kind_label(page),
                "title": highlight(page.title, query),
                "snippet": highlight(page_description(page), query),
            }
            for page in results.object_list
        ]
    keep = {"q": query, **({"kind": kind.slug} if kind else {})}
    return render(
        request,
        "site/search.html",
        {
            "query": query,
            "raw_query": request.GET.get("q", "")[:200],
            "problem": problem,
            "kind": kind,
            "kinds": [
                {
                    "label": k.label,
                    "url": "?" + urlencode({"q": query, "kind": k.slug}),
                    "current": k == kind,
                }
                for k in KINDS
            ],
            "all_url": "?" + urlencode({"q": query}),
            "results": results,
            "extra_query": "&" + urlencode(keep),
        },
    )


@require_safe
def suggest(request):
    """Up to eight titles matching what is typed so far, best first."""
    query, _problem = clean_query(request.GET.get("q", ""))
    pages = list(search_pages(query)[:SUGGESTION_COUNT]) if query else []
    return JsonResponse(
        {
            "query": query,
            "suggestions": [
                {"title": page.title, "url": page.url, "kind": kind_label(page)}
                for page in pages
            ],
        }
    )
