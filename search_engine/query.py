"""A user's query, rewritten into the terms the segmented index holds.

The database backends take a query string or modelsearch's query objects
(Wagtail's admin sends ``PlainText``, or ``Phrase`` for text in quotes) and
split plain text on spaces. Each plain text here becomes an ``And`` of its
words (``Or`` if the caller asked for that operator); a word of three or more
Chinese characters is an ``Or`` of the word itself and the ``And`` of its
bigrams (see ``text.query_words``). Every term is one index token, so the
backends' own splitting has nothing left to split.
"""

from modelsearch.query import (
    And,
    Boost,
    Fuzzy,
    MatchAll,
    Not,
    Or,
    Phrase,
    PlainText,
    SearchQuery,
)

from .text import QueryWord, query_words

# What a query without a single word matches (only punctuation, say): nothing,
# as an empty query does in the backends.
MATCH_NONE = Not(MatchAll())


def _word(word: QueryWord) -> SearchQuery:
    term = PlainText(word.word)
    if not word.parts:
        return term
    return Or([term, And([PlainText(part) for part in word.parts])])


def _text(query_string: str, operator: str) -> SearchQuery:
    words = [_word(word) for word in query_words(query_string)]
    if not words:
        return MATCH_NONE
    if len(words) == 1:
        return words[0]
    return Or(words) if operator == "or" else And(words)


def segment_query(query: str | SearchQuery, *, operator: str | None) -> SearchQuery:
    """``query`` with every piece of text in it segmented."""
    if isinstance(query, str):
        return _text(query, (operator or "and").lower())
    if isinstance(query, (PlainText, Fuzzy)):
        return _text(query.query_string, query.operator)
    if isinstance(query, Phrase):
        # The index keeps no positions between its bigrams and words, so a
        # phrase is all of its words; what matters is that it is found.
        return _text(query.query_string, "and")
    if isinstance(query, (And, Or)):
        return type(query)(
            [segment_query(sub, operator=operator) for sub in query.subqueries]
        )
    if isinstance(query, Not):
        return Not(segment_query(query.subquery, operator=operator))
    if isinstance(query, Boost):
        return Boost(segment_query(query.subquery, operator=operator), query.boost)
    if isinstance(query, MatchAll):
        return query
    raise TypeError(f"Cannot segment a {type(query).__name__} query.")
