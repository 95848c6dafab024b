"""JSON-LD on the public pages, parsed and checked against a written-down
subset of the schema.org vocabulary (tests/site/schema_org_subset.json)."""

import json
import re
from functools import cache
from pathlib import Path

import pytest
from django.test import Client
from lxml import html as lxml_html

from cms.music.models import MusicWorkPage
from cms.programmes.models import EpisodePage
from cms.site.structured_data import iso_duration
from cms.videos.models import ShortVideoPage

from .conftest import publish_with_media

pytestmark = pytest.mark.django_db

VOCABULARY = Path(__file__).with_name("schema_org_subset.json")
ISO_DURATION = re.compile(r"^PT(\d+H)?(\d+M)?(\d+S)?$")


@cache
def allowed_properties() -> dict[str, set[str]]:
    data = json.loads(VOCABULARY.read_text())
    parents = data["_parents"]

    def props(type_name):
        own = set(data[type_name])
        for parent in parents[type_name]:
            own |= props(parent)
        return own

    return {name: props(name) for name in parents}


def nodes(value):
    """Every object with an ``@type`` anywhere in ``value``."""
    if isinstance(value, dict):
        if "@type" in value:
            yield value
        for item in value.values():
            yield from nodes(item)
    elif isinstance(value, list):
        for item in value:
            yield from nodes(item)


def graph_of(url: str) -> list[dict]:
    response = Client().get(url)
    assert response.status_code == 200
    scripts = lxml_html.fromstring(response.content).xpath(
        '//script[@type="application/ld+json"]/text()'
    )
    assert len(scripts) == 1, url
    data = json.loads(scripts[0])
    assert data["@context"] == "https://schema.org"
    return data["@graph"]


def check_vocabulary(graph) -> list[dict]:
    vocabulary = allowed_properties()
    found = list(nodes(graph))
    for node in found:
        assert node["@type"] in vocabulary, node["@type"]
        unknown = set(node) - {"@type", "@id"} - vocabulary[node["@type"]]
        assert not unknown, (node["@type"], unknown)
    return found


def of_type(graph, type_name):
    return [node for node in nodes(graph) if node["@type"] == type_name]


def test_the_vocabulary_check_catches_misspelt_properties():
    bad = [{"@type": "VideoObject", "name": "x", "thumbnailURL": "y"}]
    with pytest.raises(AssertionError):
        check_vocabulary(bad)
    with pytest.raises(AssertionError):
        check_vocabulary([{"@type": "TvEpisode", "name": "x"}])


def test_iso_durations():
    assert iso_duration(12.4) == "PT12S"
    assert iso_duration(3725) == "PT1H2M5S"
    assert iso_duration(0) == "PT0S"


def test_every_page_type_names_the_association_in_valid_vocabulary(
    live_page_of_each_type,
):
    for model, page in live_page_of_each_type.items():
        graph = graph_of(page.url)
        check_vocabulary(graph)
        (org,) = of_type(graph, "Organization")
        assert org["name"] == "鄂尔多斯市科学技术协会", model
        assert org["brand"]["name"] == "百嘎丽"


def test_an_episode_is_a_tv_or_radio_episode_in_its_series(demo):
    page = EpisodePage.objects.live().exclude(channel=None).first()
    graph = graph_of(page.url)
    check_vocabulary(graph)
    expected = "RadioEpisode" if page.channel.medium == "radio" else "TVEpisode"
    (episode,) = of_type(graph, expected)
    assert episode["name"] == page.title
    assert episode["episodeNumber"] == page.episode_number
    assert episode["partOfSeries"]["name"] == page.programme.title
    assert episode["partOfSeries"]["@type"] in ("TVSeries", "RadioSeries")
    assert ISO_DURATION.match(episode["timeRequired"])


def test_an_episode_with_video_carries_a_complete_video_object(clip):
    page = publish_with_media(EpisodePage.objects.live().first(), clip)
    graph = graph_of(page.url)
    check_vocabulary(graph)
    (video,) = of_type(graph, "VideoObject")
    for prop in ("name", "description", "thumbnailUrl", "uploadDate", "duration"):
        assert video.get(prop), prop
    assert video["duration"] == "PT12S"
    assert video["contentUrl"].startswith("http://testserver/media-files/")
    assert video["thumbnailUrl"] == f"http://testserver{page.poster_url}"
    assert Client().get(video["contentUrl"]).status_code == 200


def test_a_short_video_is_a_video_object_in_its_series_with_credits(demo):
    page = ShortVideoPage.objects.live().first()
    graph = graph_of(page.url)
    check_vocabulary(graph)
    (video,) = of_type(graph, "VideoObject")
    assert video["isPartOf"]["name"] == page.series.title
    credited = {p["name"] for p in of_type(graph, "Person")}
    assert credited == {credit.person.name for credit in page.get_credits()}


def test_a_music_work_is_a_composition_with_its_writers(demo):
    page = next(p for p in MusicWorkPage.objects.live() if p.get_credits())
    graph = graph_of(page.url)
    check_vocabulary(graph)
    (work,) = of_type(graph, "MusicComposition")
    assert work["name"] == page.title
    roles = {credit.role: credit.person.name for credit in page.get_credits()}
    assert roles.keys() & {"composer", "lyricist"}, "the demo credits a writer"
    if "composer" in roles:
        assert roles["composer"] in [p["name"] for p in work["composer"]]
    if "lyricist" in roles:
        assert roles["lyricist"] in [p["name"] for p in work["lyricist"]]
    assert not of_type(graph, "MusicRecording")  # no media, no recording


def test_a_music_work_with_media_is_also_a_recording_of_it(clip):
    page = next(p for p in MusicWorkPage.objects.live() if p.get_credits())
    page = publish_with_media(page, clip)
    graph = graph_of(page.url)
    check_vocabulary(graph)
    (work,) = of_type(graph, "MusicComposition")
    (recording,) = of_type(graph, "MusicRecording")
    assert recording["recordingOf"] == {"@id": work["@id"]}
    assert recording["duration"] == "PT12S"
