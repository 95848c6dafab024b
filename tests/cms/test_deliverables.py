"""The registry of deliverable page kinds (``cms.core.deliverables``): made
from the page classes that declare themselves deliverable, and the only way
syndication knows what a deliverable page is."""

import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.models import PAGE_MODEL_CLASSES, Page, get_page_models

from cms.core.deliverables import (
    DeliverableKind,
    DeliverablePage,
    deliverable_kinds,
    deliverable_labels_text,
    deliverable_media,
    deliverable_page_models,
    kind_for_content_type,
    kind_for_model,
    kind_for_page,
)
from cms.core.models import media_asset_field
from cms.music.models import MusicCredit, MusicWorkPage
from cms.people.models import BaseCredit
from cms.programmes.models import (
    EpisodePage,
    EpisodeParticipant,
    EpisodeTopic,
    ProgramPage,
)
from cms.videos.models import ShortVideoCredit, ShortVideoPage, ShortVideoTopic
from media_pipeline.models import MediaAsset

SYNDICATION = Path(__file__).resolve().parents[2] / "syndication"


@pytest.mark.parametrize(
    "model, name, label, unit, credit_model, topic_model, parent_role",
    [
        (
            EpisodePage,
            "episode",
            "节目单集",
            "集",
            EpisodeParticipant,
            EpisodeTopic,
            "programme",
        ),
        (
            ShortVideoPage,
            "short_video",
            "短视频",
            "条",
            ShortVideoCredit,
            ShortVideoTopic,
            "series",
        ),
        (MusicWorkPage, "music_work", "音乐作品", "首", MusicCredit, None, None),
    ],
)
def test_each_content_page_type_is_registered_with_what_it_carries(
    model, name, label, unit, credit_model, topic_model, parent_role
):
    kind = kind_for_model(model)
    assert kind is not None and kind.model is model
    assert (kind.name, str(kind.label), str(kind.unit)) == (name, label, unit)
    assert kind.media_field == "media_asset"
    assert model._meta.get_field(kind.media_field).related_model is MediaAsset
    assert (kind.credit_model, kind.topic_model) == (credit_model, topic_model)
    assert kind.parent_role == parent_role
    assert set(kind.item_fields) >= {"producing_unit", "rights_holder"}


def test_kinds_come_in_installed_apps_order_as_the_partner_api_names_them():
    assert [kind.name for kind in deliverable_kinds()] == [
        "episode",
        "short_video",
        "music_work",
    ]
    assert deliverable_labels_text() == "节目单集、短视频或音乐作品"


def test_the_registry_is_every_concrete_deliverable_page_model_and_no_other():
    deliverable = {
        model
        for model in get_page_models()
        if issubclass(model, DeliverablePage) and not model._meta.abstract
    }
    assert set(deliverable_page_models()) == deliverable
    assert deliverable == {EpisodePage, ShortVideoPage, MusicWorkPage}
    for model in get_page_models():
        if model not in deliverable:
            assert kind_for_model(model) is None, model
    assert kind_for_model(ProgramPage) is None


def test_a_page_is_known_by_its_class_or_its_content_type(db):
    episode_type = ContentType.objects.get_for_model(EpisodePage)
    kind = kind_for_model(EpisodePage)
    assert kind_for_content_type(episode_type) is kind
    assert kind_for_content_type(episode_type.pk) is kind
    assert kind_for_content_type(ContentType.objects.get_for_model(Page)) is None
    # A base Page of a deliverable type is known by its content type.
    page = Page(title="某期", content_type=episode_type)
    assert kind_for_page(page) is kind
    episode = EpisodePage(title="某期", episode_number=3)
    assert kind_for_page(episode) is kind
    assert deliverable_media(episode) is None
    assert deliverable_media(ProgramPage(title="节目")) is None


# --- A new deliverable page type joins without a change in syndication -------


@contextmanager
def lecture_page_type():
    """A deliverable page type defined here, as a new content app would, and
    taken out of the app registry again afterwards (it has no table)."""

    class LecturePage(DeliverablePage, Page):
        recording = media_asset_field(_("讲座录像"))
        abstract_text = models.TextField(blank=True)
        lecture_number = models.PositiveIntegerField(null=True)

        deliverable_kind = DeliverableKind(
            name="lecture",
            unit=_("场"),
            media_field="recording",
            credits_relation="speakers",
            topics_field=None,
            summary_field="abstract_text",
            duration_field=None,
            number_field="lecture_number",
            parent_role="series",
        )

        class Meta:
            app_label = "core"

    class LectureSpeaker(BaseCredit):
        page = ParentalKey(
            LecturePage, on_delete=models.CASCADE, related_name="speakers"
        )
        role = models.CharField(max_length=20)

        class Meta(BaseCredit.Meta):
            app_label = "core"

    try:
        yield LecturePage, LectureSpeaker
    finally:
        for model in (LectureSpeaker, LecturePage):
            del apps.all_models["core"][model._meta.model_name]
        PAGE_MODEL_CLASSES.remove(LecturePage)
        apps.clear_cache()
        # A new page gets its content type, made in this test's transaction.
        ContentType.objects.clear_cache()


def test_a_new_deliverable_page_type_joins_the_registry_and_syndication(db):
    from syndication.models import Delivery
    from syndication.qc import page_number, page_summary
    from syndication.workflow import deliveries_with_out_of_date

    with lecture_page_type() as (LecturePage, LectureSpeaker):
        kind = kind_for_model(LecturePage)
        assert kind is not None and kind.name == "lecture"
        assert kind in deliverable_kinds()
        assert LecturePage in deliverable_page_models()
        assert (kind.credit_model, kind.credit_page_field) == (LectureSpeaker, "page")
        assert kind.item_fields == (
            "abstract_text",
            "lecture_number",
            "producing_unit",
            "rights_holder",
        )
        lecture = LecturePage(
            title="沙漠里的水", abstract_text="简介", lecture_number=2
        )
        assert (page_summary(lecture), page_number(lecture)) == ("简介", 2)
        assert deliverable_media(lecture) is None
        # The ledger's "media changed since delivery" reads its table too.
        sql = str(deliveries_with_out_of_date(Delivery.objects.all()).query)
        assert LecturePage._meta.db_table in sql

    assert kind_for_model(LecturePage) is None
    assert [kind.name for kind in deliverable_kinds()] == [
        "episode",
        "short_video",
        "music_work",
    ]


# --- Syndication names no content page type ----------------------------------

#: What would tie syndication to a content app's page types.
CONTENT_PAGE_REFERENCES = re.compile(
    r"cms\.programmes|cms\.videos|cms\.music|episodepage|shortvideopage|musicworkpage",
    re.IGNORECASE,
)


def test_syndication_names_no_content_page_type_outside_migrations_and_demo():
    found = []
    for path in sorted(SYNDICATION.rglob("*.py")):
        relative = path.relative_to(SYNDICATION)
        if relative.parts[0] == "migrations" or relative.name == "demo.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if CONTENT_PAGE_REFERENCES.search(line):
                found.append(f"syndication/{relative}:{number}: {line.strip()}")
    assert found == []


def test_the_partner_api_still_names_the_kinds_as_before():
    from syndication.schemas import ItemOut

    schema = ItemOut.model_json_schema()
    assert schema["properties"]["kind"]["enum"] == [
        "episode",
        "short_video",
        "music_work",
    ]
