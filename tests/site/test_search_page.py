"""The public search page and its suggestions, on the demo site."""

import pytest
from django.core.management import call_command
from wagtail.models import Page, PageViewRestriction

from cms.programmes.models import EpisodePage, ProgramPage
from cms.videos.models import ShortVideoPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(demo):
    """The demo, indexed as ``manage.py update_index`` does."""
    call_command("update_index", verbosity=0)
    return demo


def live(model, contains):
    page = model.objects.live().public().filter(title__contains=contains).first()
    assert page is not None, (
        f"the demo has no live {model.__name__} titled *{contains}*"
    )
    return page


def results(html):
    """The list of results only (the header and footer link to sections too)."""
    start = html.find('<ol class="search-results">')
    return html[start : html.index("</ol>", start)] if start >= 0 else ""


def search(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "word, model",
    [("沙漠", None), ("古如歌", ShortVideoPage), ("风能", None)],
)
def test_a_word_from_the_middle_of_a_title_finds_its_page(client, indexed, word, model):
    pages = Page.objects.live().public().filter(title__contains=word)
    if model is not None:
        pages = pages.type(model)
    page = pages.exclude(depth__lte=2).first()
    assert page is not None, f"the demo has no live page titled *{word}*"
    assert f'href="{page.url}"' in results(search(client, q=word))


def test_the_kind_filter_narrows_the_results(client, indexed):
    episode = EpisodePage.objects.live().public().first()
    word = episode.title[1:3]
    page = search(client, q=word)
    everything = results(page)
    episodes = results(search(client, q=word, kind="episode"))
    programmes = results(search(client, q=word, kind="programme"))
    assert episode.url in everything and episode.url in episodes
    assert episode.url not in programmes
    # The filter links keep the query.
    assert "kind=music" in page and "q=" in page


def test_results_are_paged_and_the_links_keep_the_query(client, indexed, monkeypatch):
    from cms.site.views import search as view_module

    monkeypatch.setattr(view_module, "RESULTS_PER_PAGE", 1)
    first = search(client, q="科普")
    second = search(client, q="科普", page=2)
    assert (
        "第 1 /" in first and 'rel="next"' in first and "q=%E7%A7%91%E6%99%AE" in first
    )
    assert "第 2 /" in second and 'rel="prev"' in second


def test_an_empty_box_prompts_and_no_match_suggests(client, indexed):
    assert "请输入想找的内容" in search(client)
    html = search(client, q="zzqqxx不存在的词")
    assert "没有找到" in html and "少用几个词" in html


def test_drafts_unpublished_and_restricted_pages_never_appear(client, indexed):
    draft = live(ProgramPage, "")
    draft.title = "隐身草稿节目甲"
    draft.save_revision()  # a draft revision: the live title stays
    gone = EpisodePage.objects.live().public().first()
    gone.title = "下线单集乙"
    gone.save_revision().publish()
    gone.unpublish()
    secret = ShortVideoPage.objects.live().public().first()
    secret.title = "私密短视频丙"
    secret.save_revision().publish()
    PageViewRestriction.objects.create(page=secret, restriction_type="login")
    call_command("update_index", verbosity=0)
    for word in ("隐身草稿", "下线单集", "私密短视频"):
        html = search(client, q=word)
        assert "没有找到" in html, word
    assert (
        client.get("/search/suggest/", {"q": "私密短视频"}).json()["suggestions"] == []
    )


def test_matches_are_marked_and_markup_in_the_query_is_escaped(client, indexed):
    html = search(client, q="沙漠")
    assert "<mark>沙漠</mark>" in html
    html = search(client, q="<script>alert(1)</script>沙漠")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "params, message",
    [
        ({"q": "沙漠" * 60}, "搜索词太长了"),
        ({"q": "！？。，、……"}, "没有可以查找的文字"),
        ({"q": "沙漠", "kind": "no-such-kind"}, "<mark>沙漠</mark>"),
        ({"q": "沙漠", "page": "abc"}, "<mark>沙漠</mark>"),
    ],
)
def test_bad_input_gets_a_clear_answer(client, indexed, params, message):
    assert message in search(client, **params)


def test_suggest_returns_up_to_eight_matching_titles(client, indexed):
    page = live(ShortVideoPage, "古如歌")
    data = client.get("/search/suggest/", {"q": "古如歌"}).json()
    kind = str(ShortVideoPage._meta.verbose_name)
    assert {"title": page.title, "url": page.url, "kind": kind} in data["suggestions"]
    assert len(client.get("/search/suggest/", {"q": "科普"}).json()["suggestions"]) <= 8
    assert client.get("/search/suggest/", {"q": ""}).json()["suggestions"] == []
    assert client.get("/search/suggest/", {"q": "x" * 500}).status_code == 200


def test_every_page_has_the_search_box(client, indexed):
    html = client.get("/").content.decode()
    assert 'role="combobox"' in html and 'action="/search/"' in html
    assert "js/site-search.js" in html


def test_the_brand_library_is_found_under_all_kinds(client, indexed):
    from brand_assets.models import BrandLibraryPage

    library = BrandLibraryPage.objects.live().public().first()
    assert library is not None
    html = search(client, q=library.title)
    assert f'href="{library.url}"' in results(html)
    assert str(BrandLibraryPage._meta.verbose_name) in results(html)
    narrowed = results(search(client, q=library.title, kind="music"))
    assert f'href="{library.url}"' not in narrowed
