"""Every admin URL of the media library, syndication, the brand library, the
screens, the schedules and the catalogue import ×
every role × GET and POST.

The URLs come from the URL configuration (``urls.admin_urls``); each must have
an entry in ``EXPECTED`` saying who may reach it, so a new view cannot go
untested. Whoever may not reach a URL is refused (403, 404, 405, or Wagtail's
redirect to the admin home with "no permission"), never answered 200; the
anonymous are sent to the login page; nothing answers 500; and a refused POST
changes nothing.

Roles act on objects in collection B. "scoped" has media and brand rights on
collection A only: as "scoped_b" it acts on B's objects (refused, as on
another team's collection), as "scoped_a" on A's (allowed where its rights
say so).
"""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from brand_assets.models import (
    AssetDownload,
    BrandAsset,
    BrandAssetVersion,
    BrandKit,
    BrandVariant,
    Licence,
    StickerSpecItem,
)
from cms.catalogue.models import ImportRow, ImportRun
from cms.schedules.models import (
    Airing,
    AsRunImport,
    AsRunLine,
    ScheduleChannel,
    SlotRule,
)
from cms.schedules.timezones import local
from media_pipeline.models import (
    MediaAsset,
    SubtitleTrack,
    TranscodeJob,
    TranscodeProfile,
)
from screens.models import (
    Playlist,
    PlaylistItem,
    PlayRecord,
    Screen,
    ScreenNetwork,
    ScreenRendition,
    ScreenSize,
)
from syndication.models import (
    Delivery,
    DeliveryEvent,
    DeliveryProfile,
    PartnerAccount,
    PartnerKey,
    Platform,
)

from .urls import admin_urls
from .world import World, build_world

ACTORS = (
    "anonymous",
    "producer",
    "editor",
    "reviewer",
    "manager",
    "scoped_b",
    "scoped_a",
)
ROLES = ("producer", "editor", "reviewer", "manager")
LOGIN = "/admin/login/"
ADMIN_HOME = "/admin/"

# --- Who may reach what --------------------------------------------------------
#
# expected.json: name → {"GET": actors who may, "POST": actors who may}.
# Everyone else is refused; the anonymous are never listed (always sent to
# the login page). Reviewed by hand when written: producers never delete;
# "scoped_b" reaches no object of B; reviewers and syndication managers only
# choose media; syndication is the managers'; the ledger deletes for nobody.
# Screens (screens 0002): managers run networks, sizes, screens, playlists
# and resolve plays; editors compose playlists (and so may make their files)
# and see the networks; producers see playlists, their files and zip, and
# plays. Schedules (schedules 0002): editors plan and import as-run logs,
# and alone move airings in the calendar; producers and managers see the
# schedule, the 节目单 and the report. The catalogue import is for whoever
# holds "add import run", which no role does. Reviewers reach none of them.

NOBODY = frozenset()

EXPECTED: dict[str, tuple[frozenset, frozenset]] = {}


def _load_expected():
    path = os.path.join(os.path.dirname(__file__), "expected.json")
    with open(path, encoding="utf-8") as stream:
        table = json.load(stream)
    for name, entry in table.items():
        EXPECTED[name] = (frozenset(entry["GET"]), frozenset(entry["POST"]))


_load_expected()

URLS = admin_urls()


def test_every_admin_url_has_an_expectation():
    names = {url.name for url in URLS}
    assert names - EXPECTED.keys() == set(), "admin URLs without an expectation"
    assert EXPECTED.keys() - names == set(), "expectations for URLs that are gone"
    # Sanity: the walk found every app's viewsets.
    assert {
        "media:edit",
        "syndication_deliveries:act",
        "brand_asset:delete",
        "screens_playlists:package",
        "schedules_calendar:move",
        "catalogue:start",
    } <= names


# --- Objects, once per module --------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The objects of every test here, made once and rolled back at the end:
    each test runs in a savepoint inside this transaction."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# Namespaces whose objects are not collection members: one object in the
# world serves every actor.
SHARED_OBJECTS = {
    "media_profiles": "profile",
    "syndication_deliveries": "delivery",
    "syndication_platforms": "platform",
    "syndication_profiles": "delivery_profile",
    "syndication_partners": "partner",
    "brand_kit": "kit",
    "brand_sticker_spec": "sticker_spec",
    "screens_networks": "network",
    "screens_sizes": "size",
    "screens_screens": "screen",
    "screens_playlists": "playlist",
    "screens_plays": "play",
    "schedules_airings": "airing",
    "schedules_calendar": "airing",
    "schedules_rules": "slot_rule",
    "schedules_channels": "schedule_channel",
    "schedules_asrun": "asrun",
    "catalogue": "import_run",
}


def url_kwargs(url, world: World, side) -> dict:
    namespace = url.name.split(":")[0]
    by_namespace = {
        "media": side.media,
        "media_chooser": side.media,
        "brand_asset": side.brand,
        "brand_licence": side.licence,
        **{name: world.shared[key] for name, key in SHARED_OBJECTS.items()},
    }
    # Where one namespace's "pk" names different kinds of objects.
    by_name = {"schedules_asrun:resolve": world.shared["asrun_line"]}
    by_param = {
        "job_id": lambda: side.job,
        "track_id": lambda: side.track,
        "key_id": lambda: world.shared["key"],
        "version_id": lambda: side.version,
        "asset_pk": lambda: side.brand,
        "pk": lambda: by_name.get(url.name) or by_namespace[namespace],
    }
    return {param: by_param[param]().pk for param in url.params}


def post_data(world: World) -> dict:
    """Plausible fields for the forms and actions: a title, a move into
    collection A (where "scoped" may add), a state change."""
    target = world.a.collection.pk
    today = timezone.localdate()
    return {
        "title": "矩阵改名",
        "name": "矩阵改名",
        "slug": "matrix-renamed",
        "collection": target,
        "notes": "矩阵",
        "action": "cancel",
        "to_state": "withdrawn",
        "reason": "矩阵",
        "id": [world.b.media.pk, world.a.media.pk],
        # A valid 节目单 range: a POST must not reach the GET-only export.
        "channel": world.shared["schedule_channel"].channel_id,
        "first_day": today.isoformat(),
        "last_day": today.isoformat(),
        # The calendar's drag: two hours later, in Beijing time.
        "start": (local(world.shared["airing"].start_at) + dt.timedelta(hours=2))
        .replace(tzinfo=None)
        .isoformat(timespec="minutes"),
    }


STATE_MODELS = (
    MediaAsset,
    TranscodeJob,
    SubtitleTrack,
    TranscodeProfile,
    Delivery,
    DeliveryEvent,
    DeliveryProfile,
    Platform,
    PartnerAccount,
    PartnerKey,
    BrandAsset,
    BrandAssetVersion,
    BrandVariant,
    Licence,
    AssetDownload,
    BrandKit,
    StickerSpecItem,
    ScreenNetwork,
    ScreenSize,
    Screen,
    Playlist,
    PlaylistItem,
    ScreenRendition,
    PlayRecord,
    ScheduleChannel,
    SlotRule,
    Airing,
    AsRunImport,
    AsRunLine,
    ImportRun,
    ImportRow,
)


def state() -> dict:
    return {
        model.__name__: list(model._base_manager.order_by("pk").values_list())
        for model in STATE_MODELS
    }


def outcome(response) -> str:
    status = response.status_code
    if status >= 500:
        return "error"
    location = response.get("Location", "")
    if status == 302 and location.startswith(LOGIN):
        return "login"
    if status in (403, 404, 405) or (status == 302 and location == ADMIN_HOME):
        return "refused"
    return "ok"


def client_for(actor: str, world: World) -> Client:
    client = Client(raise_request_exception=False)
    if actor != "anonymous":
        client.force_login(world.users[actor.removesuffix("_a").removesuffix("_b")])
    return client


RECORD = os.environ.get("ADMIN_MATRIX_RECORD")


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("url", URLS, ids=str)
def test_matrix(db, world, url, actor):
    side = world.a if actor == "scoped_a" else world.b
    path = reverse(url.name, kwargs=url_kwargs(url, world, side))
    client = client_for(actor, world)
    may_get, may_post = EXPECTED.get(url.name, (NOBODY, NOBODY))

    got = outcome(client.get(path))
    before = state()
    with transaction.atomic():
        posted = outcome(client.post(path, post_data(world)))
        after = state()
        transaction.set_rollback(True)

    if RECORD:
        with open(RECORD, "a", encoding="utf-8") as stream:
            stream.write(
                json.dumps([url.name, actor, got, posted, before != after]) + "\n"
            )
        return

    for method, seen, allowed in (("GET", got, may_get), ("POST", posted, may_post)):
        assert seen != "error", f"{method} {path} as {actor}: 500"
        if actor == "anonymous":
            assert seen == "login", f"{method} {path} as anonymous: {seen}"
        elif actor in allowed:
            assert seen == "ok", f"{method} {path} as {actor}: {seen}, expected ok"
        else:
            assert seen == "refused", f"{method} {path} as {actor}: {seen}"
    if actor not in may_post:
        assert before == after, f"POST {path} as {actor} changed the data"
