"""Chinese text to index terms, and queries to the terms they must match.

Index and query go through the same folding and the same segmenter, so a word
is spelt the same way on both sides:

- ``fold``: Traditional → Simplified (OpenCC's t2s), NFKC (full-width letters
  and digits to ASCII), lower case. A query in 繁體 finds a title in 简体.
- ``index_terms``: for every run of Chinese characters, jieba's search-mode
  words (precise words plus the shorter words inside long ones), every
  character bigram and every single character. Bigrams and characters make
  recall independent of jieba's choices: any substring of a text, typed as a
  query, is found. jieba's words, when the query uses the same word, add to
  the score. Other runs (Latin, digits) are kept as words.
- ``query_words``: a query is cut with jieba in precise mode; each word must
  be matched either as a whole indexed word or by all of its bigrams, so
  "沙漠绿化" finds a text with 沙漠 and 绿化 apart, and "古如歌" finds
  鄂尔多斯古如歌 whatever jieba made of the title.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jieba
import opencc
from django.utils.html import strip_tags

jieba.setLogLevel(logging.WARNING)

# CJK Unified Ideographs, Extension A and the compatibility block: what jieba
# and the bigrams work on. Anything else that is a word character is a "word".
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_HAN}]+|[^\W{_HAN}_]+")
_HAN_RUN = re.compile(rf"^[{_HAN}]+$")


@lru_cache(maxsize=1)
def _to_simplified():
    """OpenCC's Traditional → Simplified converter, made once (it loads its
    dictionaries from disk)."""
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """The form in which both the index and the query see a text."""
    text = unicodedata.normalize("NFKC", text)
    return _to_simplified().convert(text).lower()


def _runs(text: str) -> list[str]:
    """Runs of Chinese characters and runs of other word characters, in
    order; punctuation, spaces and markup are the separators."""
    return _RUN.findall(fold(strip_tags(text)))


def is_han(run: str) -> bool:
    return bool(_HAN_RUN.match(run))


def bigrams(word: str) -> list[str]:
    return [word[i : i + 2] for i in range(len(word) - 1)]


def index_terms(text: str) -> list[str]:
    """Every term under which ``text`` is indexed, in text order (repeats kept:
    how often a term occurs counts in the score)."""
    terms: list[str] = []
    for run in _runs(text):
        if not is_han(run):
            terms.append(run)
            continue
        # Single characters come below, once each.
        terms.extend(w for w in jieba.cut_for_search(run, HMM=True) if len(w) > 1)
        terms.extend(bigrams(run))
        terms.extend(run)
    return terms


def index_text(text: str) -> str:
    """``index_terms`` as one space-separated string: what the database
    backends' own tokenizers split again, one term per token."""
    return " ".join(index_terms(text))


@dataclass(frozen=True)
class QueryWord:
    """One word of a query: matched as ``word`` itself or, for longer Chinese
    words, by all of ``parts`` (its bigrams) anywhere in the same document."""

    word: str
    parts: tuple[str, ...] = ()


def query_words(query: str) -> list[QueryWord]:
    """The words every result must match, all of them."""
    words: list[QueryWord] = []
    for run in _runs(query):
        if not is_han(run):
            words.append(QueryWord(run))
            continue
        for word in jieba.cut(run, HMM=True):
            # A one- or two-character word is its own bigram (or character),
            # which is always indexed.
            parts = tuple(bigrams(word)) if len(word) > 2 else ()
            words.append(QueryWord(word, parts))
    return words
