"""Pages with Chinese titles get readable pinyin addresses, decided on the
server whatever the admin's script filled in."""

import pytest
from django.urls import reverse
from django.utils.text import slugify
from wagtail.test.utils.form_data import nested_form_data, rich_text

from cms.core.slugs import page_slug, pinyin_slug
from cms.programmes.models import EpisodePage, ProgramIndexPage, ProgramPage

from .helpers import add_page_url, episode_form_data

pytestmark = pytest.mark.django_db

TITLE = "库布其沙漠的绿色奇迹"
#: What Wagtail's w-slug script puts in the slug field for that title
#: (WAGTAIL_ALLOW_UNICODE_SLUGS is on by default).
BROWSER_SLUG = slugify(TITLE, allow_unicode=True)


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        (TITLE, "kubuqi-shamo-de-lvse-qiji"),  # the example of issue 15
        ("鄂尔多斯古如歌", "eerduosi-guruge"),
        ("百嘎丽带你看非遗里的科普", "baigali-dai-ni-kan-feiyi-li-de-kepu"),
        ("风能 2024：第1期", "fengneng-2024-di-1-qi"),
        ("Hello 科普", "hello-kepu"),
        ("！？", ""),
    ],
)
def test_pinyin_slug_groups_syllables_into_words(title, slug):
    assert pinyin_slug(title) == slug


def test_long_titles_are_cut_at_a_word():
    slug = pinyin_slug("冬季取暖如何预防一氧化碳中毒" * 5)
    assert len(slug) <= 80 and not slug.endswith("-")
    assert slug.startswith("dongji-qunuan-ruhe-yufang-yiyanghuatan-zhongdu-")


def programme():
    return ProgramPage.objects.live().get(title="百嘎丽科普开讲")


def create_episode(client, *, number, publish=False, **fields):
    data = episode_form_data(episode_number=number, **fields)
    if publish:
        data["action-publish"] = "action-publish"
    return client.post(add_page_url(EpisodePage, programme()), data)


@pytest.mark.parametrize("publish", [False, True], ids=["draft", "publish"])
def test_admin_replaces_the_browser_unicode_slug_with_pinyin(
    client, demo, editor, publish
):
    client.force_login(editor)
    response = create_episode(
        client, number=41, title=TITLE, slug=BROWSER_SLUG, publish=publish
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = EpisodePage.objects.get(episode_number=41)
    assert page.slug == "kubuqi-shamo-de-lvse-qiji"
    if publish:
        assert page.url.endswith("/kubuqi-shamo-de-lvse-qiji/")
        assert "%" not in page.url


def test_empty_slug_is_filled_and_siblings_get_numbered(client, demo, editor):
    client.force_login(editor)
    assert create_episode(client, number=42, title=TITLE, slug="").status_code == 302
    assert create_episode(client, number=43, title=TITLE, slug="").status_code == 302
    assert create_episode(client, number=44, title=TITLE, slug=BROWSER_SLUG)
    slugs = [EpisodePage.objects.get(episode_number=n).slug for n in (42, 43, 44)]
    assert slugs == [
        "kubuqi-shamo-de-lvse-qiji",
        "kubuqi-shamo-de-lvse-qiji-2",
        "kubuqi-shamo-de-lvse-qiji-3",
    ]


def test_a_slug_the_editor_typed_is_kept(client, demo, editor):
    client.force_login(editor)
    create_episode(client, number=45, title=TITLE, slug="kubuqi-green")
    create_episode(client, number=46, title=TITLE, slug="库布其")  # chosen, not title
    assert EpisodePage.objects.get(episode_number=45).slug == "kubuqi-green"
    assert EpisodePage.objects.get(episode_number=46).slug == "库布其"


def test_published_pages_keep_their_slug(client, demo, superuser):
    """An address already out in the world is never changed, even one that
    is the title's Unicode slug (pages made before this rule)."""
    page = EpisodePage.objects.live().get(title=TITLE)
    page.slug = BROWSER_SLUG
    page.save_revision().publish()
    client.force_login(superuser)
    data = episode_form_data(
        title=TITLE,
        slug=BROWSER_SLUG,
        episode_number=page.episode_number,
        summary=page.summary,
        transcript=rich_text(page.transcript),
    )
    data["action-publish"] = "action-publish"
    response = client.post(reverse("wagtailadmin_pages:edit", args=(page.pk,)), data)
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.slug == BROWSER_SLUG


def test_other_page_types_get_pinyin_slugs_too(client, demo, superuser):
    client.force_login(superuser)
    index = ProgramIndexPage.objects.get()
    data = nested_form_data(
        {
            "title": "百嘎丽科技微课堂",
            "slug": slugify("百嘎丽科技微课堂", allow_unicode=True),
            "description": rich_text(""),
            "airings": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0},
            "hosts": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0},
            "comments": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0},
        }
    )
    response = client.post(add_page_url(ProgramPage, index), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    page = ProgramPage.objects.get(title="百嘎丽科技微课堂")
    assert page.slug == pinyin_slug("百嘎丽科技微课堂")
    assert page.slug.isascii() and page.slug.startswith("baigali-")


def test_page_slug_is_the_one_rule_for_loaders(demo):
    parent = programme()
    first = page_slug(TITLE, parent=parent)
    assert first == "kubuqi-shamo-de-lvse-qiji"
    child = EpisodePage.objects.child_of(parent).first()
    child.slug = first
    child.save(update_fields=["slug"])
    assert page_slug(TITLE, parent=parent) == f"{first}-2"
    # The page itself does not count as taking its own slug.
    assert page_slug(TITLE, parent=parent, page=child) == first
