"""The index follows publishing, and ``search_pages`` answers from it."""

import pytest
from django.core.management import call_command
from wagtail.models import Page
from wagtail.search.models import IndexEntry

from cms.core.demo import PRODUCTION_RIGHTS
from cms.music.models import MusicWorkPage
from cms.programmes.models import EpisodePage, ProgramPage
from search_engine.conf import search_backends
from search_engine.services import search_pages

pytestmark = pytest.mark.django_db


def titles(results) -> list[str]:
    return [page.title for page in results]


def new_episode(**fields) -> EpisodePage:
    programme = ProgramPage.objects.get(slug="keji-wei-ketang")
    episode = EpisodePage(
        episode_number=99, slug="search-test", **PRODUCTION_RIGHTS, **fields
    )
    programme.add_child(instance=episode)
    return episode


def publish(page, django_capture_on_commit_callbacks):
    # As the admin publishes: the index is updated when the transaction
    # commits, by Wagtail's own signal handlers.
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()


def test_publishing_indexes_title_summary_transcript_and_topics(
    search_index, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        episode = new_episode(
            title="草原上的风电场",
            summary="一台风机一年发多少度电。",
            transcript="<p>叶片的长度决定了扫风面积，也决定了发电量。</p>",
        )
        episode.topics.add("新能源科普")
        episode.save()
    episode.unpublish()
    publish(episode, django_capture_on_commit_callbacks)

    assert titles(search_pages("风电场")[:1]) == ["草原上的风电场"]  # title, middle
    assert "草原上的风电场" in titles(search_pages("风机"))  # summary
    assert "草原上的风电场" in titles(search_pages("扫风面积"))  # transcript
    assert "草原上的风电场" in titles(search_pages("新能源"))  # topic


def test_a_new_title_is_found_once_published_and_the_old_one_is_not(
    search_index, django_capture_on_commit_callbacks
):
    episode = EpisodePage.objects.get(title="星空里的光年")
    episode.title = "银河系有多大"
    publish(episode, django_capture_on_commit_callbacks)

    assert "银河系有多大" in titles(search_pages("银河"))
    # (光年 stays in its summary; 空里 was only in the old title)
    assert "银河系有多大" not in titles(search_pages("星空里"))


def test_a_draft_is_not_indexed_with_its_unpublished_title(
    search_index, django_capture_on_commit_callbacks
):
    episode = EpisodePage.objects.get(title="为什么风能发电").specific
    with django_capture_on_commit_callbacks(execute=True):
        draft = episode.get_latest_revision_as_object()
        draft.title = "潮汐能发电"
        draft.save_revision()
    assert titles(search_pages("潮汐")) == []
    assert "为什么风能发电" in titles(search_pages("风能"))


def test_the_index_holds_segmented_terms_not_the_raw_title(search_index):
    page = Page.objects.get(title="库布其沙漠的绿色奇迹")
    entry = IndexEntry.objects.get(
        content_type_id=page.content_type_id, object_id=str(page.pk)
    )
    # SQLite keeps the terms as text, PostgreSQL as a tsvector ('沙漠':3A):
    # either way 沙漠 is a term of its own, not the middle of a longer one.
    terms = str(entry.title).replace("'", " ").replace(":", " ").split()
    assert "沙漠" in terms and "库布其" in terms


def test_search_pages_keeps_to_live_pages_of_the_kinds_asked(
    search_index, django_capture_on_commit_callbacks
):
    assert set(titles(search_pages("李晓雯", kinds=[MusicWorkPage]))) == {
        "百嘎丽之歌",
        "百嘎丽课间操",
        "草原星空",
    }
    assert titles(search_pages("李晓雯", kinds=[EpisodePage])) == []
    page = Page.objects.get(title="草原星空")
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert "草原星空" not in titles(search_pages("草原星空"))
    assert "草原星空" in titles(search_pages("草原星空", live_only=False))


def test_update_index_rebuilds_after_the_index_was_emptied(search_index):
    IndexEntry.objects.all().delete()
    assert titles(search_pages("沙漠")) == []
    call_command("update_index", verbosity=0)
    assert titles(search_pages("沙漠")) == ["库布其沙漠的绿色奇迹"]


def test_search_url_switches_to_the_cluster_backend_with_a_chinese_analyzer():
    assert search_backends() == {
        "default": {"BACKEND": "search_engine.backends.database"}
    }
    cluster = search_backends(
        search_url="https://search.example:9200", cluster="opensearch2"
    )["default"]
    assert cluster["BACKEND"] == "wagtail.search.backends.opensearch2"
    assert cluster["URLS"] == ["https://search.example:9200"]
    analysis = cluster["INDEX_SETTINGS"]["settings"]["analysis"]["analyzer"]
    assert analysis["default"]["tokenizer"] == "smartcn_tokenizer"
    ik = search_backends(search_url="http://es:9200", analyzer="ik_max_word")
    assert ik["default"]["BACKEND"] == "wagtail.search.backends.elasticsearch8"
    with pytest.raises(ValueError):
        search_backends(search_url="http://es:9200", cluster="solr")


def test_titles_rank_before_lyrics_and_pages_slice_in_rank_order(search_index):
    # 星空 is in two titles and in two songs' lyrics.
    ranked = titles(search_pages("星空"))
    assert set(ranked[:2]) == {"草原星空", "星空里的光年"}
    assert {"百嘎丽之歌", "百嘎丽课间操"} <= set(ranked[2:])
    assert titles(search_pages("星空")[1:3]) == ranked[1:3]
    assert search_pages("星空").count() == len(ranked)


def test_an_empty_or_wordless_query_finds_nothing(search_index):
    assert titles(search_pages("")) == []
    assert titles(search_pages("？！…")) == []
