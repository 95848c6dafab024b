"""One search engine for the project: Chinese that is found word by word.

Wagtail's database backends see a run of Chinese characters as one token, so
only a title's first characters could be found. Here every text is segmented
before it reaches the index, and every query before it reaches the backend,
by the same code (``text``): folded (Traditional → Simplified, full-width →
half-width, lower case), cut with jieba in search mode, and spelt out in
character bigrams and single characters so that any part of a word is found.

This package is the bottom layer of the house: it imports Django, Wagtail and
modelsearch, never a project app. Models join by declaring ``search_fields``.
"""
