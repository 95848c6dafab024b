"""Recall@5 of the project's search on the demo content.

Every query of ``relevance_queries.json`` goes through the service the public
search page uses (``search_pages``) against the demo, indexed in bulk;
each of its expected pages must be among the first five results.
"""

import json
from pathlib import Path

import pytest

from search_engine.services import search_pages

pytestmark = pytest.mark.django_db

QUERIES = json.loads(
    (Path(__file__).with_name("relevance_queries.json")).read_text(encoding="utf-8")
)["queries"]
RECALL_AT_5 = 0.95


def test_the_relevance_set_covers_what_the_issue_asks():
    kinds = {entry["kind"] for entry in QUERIES}
    assert len(QUERIES) >= 40
    assert {"沙漠", "古如歌", "风能"} <= {entry["query"] for entry in QUERIES}
    for needed in ("person", "two words", "traditional", "partial", "summary"):
        assert any(kind.startswith(needed) for kind in kinds), needed


def test_recall_at_5_on_the_demo(search_index):
    found = expected = 0
    misses = []
    for entry in QUERIES:
        top5 = [page.title for page in search_pages(entry["query"])[:5]]
        hits = [title for title in entry["expected"] if title in top5]
        found += len(hits)
        expected += len(entry["expected"])
        if len(hits) < len(entry["expected"]):
            missing = sorted(set(entry["expected"]) - set(hits))
            misses.append(
                f"{entry['query']} ({entry['kind']}): {missing}; top 5 {top5}"
            )
    recall = found / expected
    report = "\n".join(misses) or "none"
    print(f"recall@5 {recall:.3f} over {len(QUERIES)} queries; misses:\n{report}")
    assert recall >= RECALL_AT_5, f"recall@5 {recall:.3f}; misses:\n{report}"
