"""The public site's search: which kinds of page it offers as filters, and
how a result shows the words it matched.

Matching itself is the search engine's (``search_engine``); this module only
reuses its query segmentation so that what is highlighted is what matched.
"""

import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page

from cms.music.models import MusicWorkPage
from cms.programmes.models import EpisodePage, ProgramPage
from cms.videos.models import ShortVideoPage, VideoSeriesPage
from search_engine.text import fold, query_words

# A longer query is refused: no title is that long, and it bounds the work
# one request asks of the index.
MAX_QUERY_LENGTH = 100
RESULTS_PER_PAGE = 12
SUGGESTION_COUNT = 8


@dataclass(frozen=True)
class Kind:
    slug: str
    label: str  # lazily translated
    models: tuple[type[Page], ...]


# The filters above the results; "all" (no kind) also finds every other live
# public page, such as the brand library, which lives in an app cms cannot
# import (brand_assets depends on cms, not the reverse).
KINDS = (
    Kind("programme", gettext_lazy("节目"), (ProgramPage,)),
    Kind("episode", gettext_lazy("单集"), (EpisodePage,)),
    Kind("short-video", gettext_lazy("短视频"), (ShortVideoPage, VideoSeriesPage)),
    Kind("music", gettext_lazy("音乐作品"), (MusicWorkPage,)),
)
KINDS_BY_SLUG = {kind.slug: kind for kind in KINDS}


def kind_label(page: Page) -> str:
    """The kind a result is shown as: the page type's own name."""
    return str(page.specific_class._meta.verbose_name)


def clean_query(raw: str) -> tuple[str, str]:
    """The query to search for and, when there is nothing to search, why
    (a Chinese message; "" for a plain empty box)."""
    query = " ".join(raw.split())
    if len(query) > MAX_QUERY_LENGTH:
        return "", _("搜索词太长了（最多 %(limit)s 个字），请换几个关键词再试。") % {
            "limit": MAX_QUERY_LENGTH
        }
    if query and not query_words(query):
        return "", _("搜索词里没有可以查找的文字，请输入中文、字母或数字。")
    return query, ""


def _match_terms(query: str) -> list[str]:
    """What to mark: each query word, and for a long Chinese word (matched
    by its bigrams anywhere) its bigrams too; longest first."""
    terms = set()
    for word in query_words(query):
        terms.add(word.word)
        terms.update(word.parts)
    return sorted((term for term in terms if term), key=len, reverse=True)


def highlight(text: str, query: str) -> SafeString:
    """``text`` escaped, with the query's words wrapped in ``<mark>``."""
    terms = _match_terms(query) if query else []
    if not text or not terms:
        return escape(text or "")
    # Folded one character at a time, so positions in the folded text are
    # positions in the original (the engine folds before matching).
    folded = "".join((fold(char) or char)[:1] for char in text)
    pattern = re.compile("|".join(re.escape(term) for term in terms))
    pieces, position = [], 0
    for match in pattern.finditer(folded):
        start, end = match.span()
        pieces.append(escape(text[position:start]))
        pieces.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))
