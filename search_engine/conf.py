"""``WAGTAILSEARCH_BACKENDS`` for the project, from the deployment's settings.

Read by ``cms/settings/base.py``; imports nothing of Django's apps, so that
settings can use it.

- No ``SEARCH_URL``: the segmenting database backend, index in the database.
- ``SEARCH_URL`` names an Elasticsearch or OpenSearch cluster: Wagtail's
  backend for it (``SEARCH_CLUSTER``: elasticsearch7/8/9, opensearch2/3),
  with a Chinese analyzer as every text field's default. The cluster
  segments, not jieba: ``smartcn`` needs the analysis-smartcn plugin,
  ``ik_max_word``/``ik_smart`` the IK plugin. Traditional characters fold
  to Simplified only with a plugin that does it (e.g. analysis-stconvert),
  added to ``SEARCH_INDEX_SETTINGS`` by the deployment.
"""

CLUSTER_BACKENDS = {
    "elasticsearch7": "wagtail.search.backends.elasticsearch7",
    "elasticsearch8": "wagtail.search.backends.elasticsearch8",
    "elasticsearch9": "wagtail.search.backends.elasticsearch9",
    "opensearch2": "wagtail.search.backends.opensearch2",
    "opensearch3": "wagtail.search.backends.opensearch3",
}
# The Chinese tokenizer each analyzer plugin provides, for the autocomplete
# (edge n-gram) analyzer, which Wagtail builds on a tokenizer.
ANALYZER_TOKENIZERS = {
    "smartcn": "smartcn_tokenizer",
    "ik_max_word": "ik_max_word",
    "ik_smart": "ik_smart",
}


def chinese_index_settings(analyzer: str) -> dict:
    """Index settings that make ``analyzer`` the default of every text field
    and give autocomplete the same tokenizer (Wagtail's uses ``standard``)."""
    if analyzer not in ANALYZER_TOKENIZERS:
        raise ValueError(
            f"SEARCH_ANALYZER must be one of {', '.join(ANALYZER_TOKENIZERS)}"
        )
    tokenizer = ANALYZER_TOKENIZERS[analyzer]
    return {
        "settings": {
            "analysis": {
                "analyzer": {
                    "default": {
                        "type": "custom",
                        "tokenizer": tokenizer,
                        "filter": ["lowercase"],
                    },
                    "edgengram_analyzer": {
                        "type": "custom",
                        "tokenizer": tokenizer,
                        "filter": ["lowercase", "edgengram"],
                    },
                }
            }
        }
    }


def search_backends(
    *,
    search_url: str = "",
    cluster: str = "elasticsearch8",
    analyzer: str = "smartcn",
    index_prefix: str = "baigali",
) -> dict:
    """The ``WAGTAILSEARCH_BACKENDS`` setting."""
    if not search_url:
        return {"default": {"BACKEND": "search_engine.backends.database"}}
    if cluster not in CLUSTER_BACKENDS:
        raise ValueError(f"SEARCH_CLUSTER must be one of {', '.join(CLUSTER_BACKENDS)}")
    return {
        "default": {
            "BACKEND": CLUSTER_BACKENDS[cluster],
            "URLS": [search_url],
            "INDEX_PREFIX": f"{index_prefix}_",
            "TIMEOUT": 10,
            "INDEX_SETTINGS": chinese_index_settings(analyzer),
        }
    }
