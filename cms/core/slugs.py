"""Readable ASCII slugs for pages with Chinese titles: the one slug rule.

库布其沙漠的绿色奇迹 → ``kubuqi-shamo-de-lvse-qiji``: the title is cut into
words with jieba, each word is written in toneless pinyin (ü as ``v``, as
people type it), and words are joined with hyphens, so the address reads as
the title does. Following the Chinese rules for spelling in pinyin (GB/T
16159 "专名与通名分写"), a place name is written apart from the generic
term after it (库布其 沙漠, 达拉特 旗), which jieba's dictionary keeps as
one word.

The admin's page forms (``cms.core.forms``), the demo loader and imports
call ``page_slug`` so every way a page is made gets the same address.
"""

from __future__ import annotations

import logging
import re
from functools import cache

from django.utils.text import slugify
from wagtail.models import Page

#: Names of the brand and of its region that jieba's dictionary misses or
#: runs into the next word (百嘎丽带 · 你 · 看 …).
BRAND_WORDS = ("百嘎丽", "古如歌", "非遗", "库布其", "达拉特", "乌审", "杭锦")

#: Generic terms written apart from the name before them (GB/T 16159).
#: A one-character term splits only after a name of two characters or more,
#: so 黄河 stays ``huanghe`` while 乌兰木伦河 becomes ``wulanmulun-he``.
GENERIC_TERMS = (
    "沙漠",
    "草原",
    "高原",
    "盆地",
    "山脉",
    "大学",
    "学院",
    "博物馆",
    "科技馆",
    "市",
    "县",
    "旗",
    "镇",
    "乡",
    "村",
    "河",
    "湖",
    "山",
)

#: Longer addresses stop being readable; cut at a word boundary.
MAX_LENGTH = 80

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@cache
def _tokenizer():
    """jieba with the brand's words, kept apart from the global instance that
    search may tune differently."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in BRAND_WORDS:
        tokenizer.add_word(word)
    return tokenizer


def _split_generic_term(word: str) -> list[str]:
    for term in GENERIC_TERMS:
        stem = word.removesuffix(term)
        if stem != word and len(stem) >= 2:
            return [stem, term]
    return [word]


def _words(text: str) -> list[str]:
    """The text's words, each as one pinyin or ASCII chunk."""
    from pypinyin import lazy_pinyin

    chunks = []
    for word in _tokenizer().cut(text):
        if not _HAN.search(word):
            chunks.append(word)
            continue
        for part in _split_generic_term(word):
            chunks.append("".join(lazy_pinyin(part)))
    return chunks


def pinyin_slug(text: str, *, max_length: int = MAX_LENGTH) -> str:
    """``text`` as an ASCII slug of pinyin words; "" if nothing is left
    (a title of punctuation only)."""
    words = []
    for chunk in _words(text):
        # ASCII passes through slugify; anything else left (punctuation,
        # letters pinyin has no spelling for) only separates words.
        words.extend(part for part in slugify(chunk).split("-") if part)
    slug = "-".join(words)
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug


def unique_child_slug(base: str, *, parent: Page, page: Page | None = None) -> str:
    """``base``, or ``base-2``, ``base-3`` … : the first that no other child of
    ``parent`` uses (``page`` itself excluded), as Wagtail's own slugs do."""
    candidate, suffix = base, 1
    while not Page._slug_is_available(candidate, parent, page):
        suffix += 1
        candidate = f"{base}-{suffix}"
    return candidate


def page_slug(title: str, *, parent: Page, page: Page | None = None) -> str:
    """The slug a new page titled ``title`` under ``parent`` gets."""
    base = pinyin_slug(title) or slugify(title, allow_unicode=True) or "page"
    return unique_child_slug(base, parent=parent, page=page)


def is_title_slug(slug: str, title: str) -> bool:
    """Whether ``slug`` is just the title made into a Unicode slug, as the
    admin's script fills it in (``w-slug``, ``WAGTAIL_ALLOW_UNICODE_SLUGS``),
    rather than an address the editor chose: then the pinyin one replaces it."""
    if not slug or slug.isascii():
        return not slug
    return slugify(slug, allow_unicode=True) == slugify(title, allow_unicode=True)
