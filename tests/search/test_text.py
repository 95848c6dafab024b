"""The segmenter that index and queries share."""

from modelsearch.query import And, Not, Or, Phrase, PlainText

from search_engine.query import MATCH_NONE, segment_query
from search_engine.text import bigrams, fold, index_terms, query_words


def test_a_word_from_the_middle_of_a_title_is_an_index_term():
    terms = index_terms("库布其沙漠的绿色奇迹")
    assert "沙漠" in terms  # jieba's word and a bigram
    assert "库布其" in terms  # jieba's longer word, kept for scoring
    assert "漠的" in terms  # a bigram jieba would never make
    assert "迹" in terms  # and every single character


def test_every_substring_of_a_title_can_be_matched():
    title = "鄂尔多斯古如歌"
    terms = set(index_terms(title))
    for start in range(len(title)):
        for end in range(start + 1, len(title) + 1):
            for word in query_words(title[start:end]):
                assert word.word in terms or set(word.parts) <= terms, (
                    title[start:end],
                    word,
                )


def test_traditional_and_full_width_text_folds_to_simplified_lower_case():
    assert fold("庫布其沙漠的綠色奇跡") == "库布其沙漠的绿色奇迹"
    assert fold("ＨＬＳ 高清") == "hls 高清"
    assert index_terms("風能") == index_terms("风能")


def test_markup_and_punctuation_are_separators():
    assert index_terms("<p>草原，星空</p>") == index_terms("草原 星空")
    assert "p" not in index_terms("<p>草原</p>")


def test_latin_words_stay_words():
    assert index_terms("Baigali HLS 2024版") == ["baigali", "hls", "2024", "版"]


def test_a_long_query_word_is_its_word_or_all_its_bigrams():
    assert bigrams("古如歌") == ["古如", "如歌"]
    (word,) = query_words("古如歌")
    assert word.word == "古如歌" and word.parts == ("古如", "如歌")
    query = segment_query("古如歌", operator=None)
    assert isinstance(query, Or)
    plain, parts = query.subqueries
    assert plain.query_string == "古如歌"
    assert [p.query_string for p in parts.subqueries] == ["古如", "如歌"]


def test_a_query_of_two_words_needs_both():
    query = segment_query("沙漠绿化", operator=None)
    assert isinstance(query, And)
    assert [q.query_string for q in query.subqueries] == ["沙漠", "绿化"]
    either = segment_query(PlainText("沙漠 草原", operator="or"), operator=None)
    assert isinstance(either, Or)


def test_query_objects_are_segmented_inside_out():
    query = segment_query(And([Phrase("沙漠"), Not(PlainText("風能"))]), operator=None)
    assert query.subqueries[0].query_string == "沙漠"
    assert query.subqueries[1].subquery.query_string == "风能"


def test_a_query_with_no_word_matches_nothing():
    assert segment_query("，。！", operator=None) is MATCH_NONE
