import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from cms.music.models import MusicWorkPage
from cms.music.validators import iswc_check_digit, validate_isrc, validate_iswc


@pytest.mark.parametrize("value", ["CN-A12-24-00001", "cna122400001", "USRC17607839"])
def test_valid_isrc(value):
    validate_isrc(value)


@pytest.mark.parametrize("value", ["CN-A12-24-0001", "12A122400001", "CN A12 24 0000X"])
def test_invalid_isrc_has_a_reason(value):
    with pytest.raises(ValidationError, match="ISRC 格式不正确"):
        validate_isrc(value)


def test_iswc_check_digit_of_a_published_example():
    assert iswc_check_digit("034524680") == 1


def test_valid_iswc():
    validate_iswc("T-034.524.680-1")
    validate_iswc("T0345246801")


def test_iswc_with_a_wrong_check_digit_is_refused():
    with pytest.raises(ValidationError, match="校验位"):
        validate_iswc("T-034.524.680-2")


def test_iswc_in_the_wrong_shape_is_refused():
    with pytest.raises(ValidationError, match="ISWC 格式不正确"):
        validate_iswc("034.524.680")


def music_form(**fields):
    data = {
        "title": "测试作品",
        "slug": "test-work",
        "form": "song",
        "year": "",
        "description": rich_text(""),
        "lyrics": "",
        "isrc": "",
        "iswc": "",
        "credits": inline_formset([]),
        "comments": inline_formset([]),
    }
    data.update(fields)
    return nested_form_data(data)


@pytest.mark.django_db
def test_admin_stores_identifiers_in_compact_form(client, demo, editor):
    work = MusicWorkPage.objects.get(title="百嘎丽之歌")
    client.force_login(editor)
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=(work.pk,)),
        music_form(
            title=work.title,
            slug=work.slug,
            isrc="cn-a12-24-00001",
            iswc="T-034.524.680-1",
        ),
    )
    assert response.status_code == 302
    work.refresh_from_db()
    draft = work.get_latest_revision_as_object()
    assert (draft.isrc, draft.iswc) == ("CNA122400001", "T0345246801")


@pytest.mark.django_db
def test_admin_refuses_a_bad_identifier_and_keeps_the_page(client, demo, editor):
    work = MusicWorkPage.objects.get(title="百嘎丽之歌")
    revisions_before = work.revisions.count()
    client.force_login(editor)
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=(work.pk,)),
        music_form(title=work.title, slug=work.slug, iswc="T-034.524.680-9"),
    )
    assert response.status_code == 200
    assert "ISWC 校验位不正确" in response.content.decode()
    assert work.revisions.count() == revisions_before
