"""The objects and people the admin permission tests act with.

Two collections under the root: 一号 (A) and 二号 (B). The seeded roles hold
their rights on the root, so on both; "scoped" holds media and brand rights on
A only. Each library has an object in B (no collection right of "scoped"
reaches it) and one in A (where "scoped" may act).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from wagtail.models import Collection, GroupCollectionPermission

from brand_assets.licences import licence_create
from brand_assets.models import BrandAsset, BrandKit, Licence, StickerSpecItem
from brand_assets.services import asset_version_create
from cms.catalogue.models import ImportRow, ImportRun, RowStatus, RunStatus
from cms.schedules.models import AsRunImport, AsRunLine, SlotRule
from cms.schedules.services import airing_schedule
from media_pipeline.models import MediaAsset, MediaKind, SubtitleTrack, TranscodeProfile
from media_pipeline.services.jobs import job_request
from screens.models import PlaylistItem, PlayRecord, Screen
from syndication.keys import partner_key_create
from syndication.models import Delivery, DeliveryProfile, PartnerAccount, Platform
from tests.conftest import make_user
from tests.schedules.builders import make_channel, make_episode, make_programme
from tests.screens.builders import make_network, make_playlist

ROLE_GROUPS = {
    "producer": "制片",
    "editor": "编辑",
    "reviewer": "审核专家",
    "manager": "分发管理",
}
SCOPED_GRANTS = {
    "mediaasset": ["add", "change", "choose", "delete"],
    "brandasset": ["add", "change", "choose"],
}


def media_asset(title: str, collection: Collection, owner) -> MediaAsset:
    """An asset as the pipeline leaves it after upload, with a queued job and
    a subtitle track; no file is read by the admin views under test."""
    sha256 = hashlib.sha256(secrets.token_bytes(16)).hexdigest()
    asset = MediaAsset.objects.create(
        title=title,
        kind=MediaKind.VIDEO,
        original=f"media/originals/{sha256[:2]}/{sha256}/source.mp4",
        original_filename="source.mp4",
        sha256=sha256,
        size=1000,
        collection=collection,
        uploaded_by=owner,
    )
    job_request(asset=asset, dispatch=False)
    SubtitleTrack.objects.create(
        asset=asset,
        language="zh-Hans",
        label="简体中文",
        file=f"media/subtitles/{asset.pk}/zh.vtt",
        original_filename="zh.vtt",
        sha256=sha256,
        size=10,
        cue_count=1,
        end_seconds=1.0,
    )
    return asset


def scoped_group(collection: Collection) -> Group:
    group = Group.objects.create(name="一号收藏集团队")
    group.permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    for model, actions in SCOPED_GRANTS.items():
        for action in actions:
            GroupCollectionPermission.objects.create(
                group=group,
                collection=collection,
                permission=Permission.objects.get(codename=f"{action}_{model}"),
            )
    return group


@dataclass
class Side:
    """The objects of one collection."""

    collection: Collection
    media: MediaAsset
    brand: BrandAsset
    licence: Licence

    @property
    def job(self):
        return self.media.jobs.get()

    @property
    def track(self):
        return self.media.subtitle_tracks.get()

    @property
    def version(self):
        return self.brand.versions.get()


@dataclass
class World:
    users: dict
    a: Side
    b: Side
    shared: dict = field(default_factory=dict)


def build_world() -> World:
    root = Collection.get_first_root_node()
    coll_a = root.add_child(name="一号收藏集")
    coll_b = root.add_child(name="二号收藏集")
    users = {
        actor: make_user(f"matrix-{actor}", groups=[group])
        for actor, group in ROLE_GROUPS.items()
    }
    scoped = make_user("matrix-scoped")
    scoped.groups.add(scoped_group(coll_a))
    users["scoped"] = scoped
    owner = make_user("matrix-owner", superuser=True)

    sides = {}
    for key, coll in (("a", coll_a), ("b", coll_b)):
        brand = BrandAsset.objects.create(
            name=f"矩阵标志{key}",
            slug=f"matrix-{key}",
            kind="mark",
            collection=coll,
            allowed_uses=["digital"],
            created_by=owner,
        )
        asset_version_create(asset=brand, notes="")
        today = timezone.localdate()
        licence = licence_create(
            asset=brand,
            licensee_name="矩阵被授权方",
            uses=["digital"],
            starts_on=today,
            ends_on=today + dt.timedelta(days=30),
            licensee_kind="organisation",
        )
        sides[key] = Side(
            collection=coll,
            media=media_asset(f"矩阵媒体{key}", coll, owner),
            brand=brand,
            licence=licence,
        )
    partner = PartnerAccount.objects.create(
        name="矩阵伙伴", platform=Platform.objects.first()
    )
    key, _plain = partner_key_create(partner=partner)
    shared = {
        "profile": TranscodeProfile.objects.create(name="矩阵方案", slug="matrix"),
        "delivery": Delivery.objects.first(),
        "platform": Platform.objects.first(),
        "delivery_profile": DeliveryProfile.objects.first(),
        "partner": partner,
        "key": key,
        "kit": BrandKit.objects.first(),
        "sticker_spec": StickerSpecItem.objects.first(),
    }
    # The screens' film is an asset of its own: one the playlist uses cannot be
    # deleted, and the media library's tests delete side b's.
    film = media_asset("矩阵宣传片", root.add_child(name="屏幕收藏集"), owner)
    shared.update(screens_objects(film=film))
    shared.update(schedule_objects(owner))
    shared["import_run"] = import_run(owner)
    return World(users=users, a=sides["a"], b=sides["b"], shared=shared)


def screens_objects(film: MediaAsset) -> dict:
    """A network with its sizes, a screen, a playlist playing ``film`` and a
    play record of it. Screens are not collection members: one of each."""
    network = make_network("matrix-bus")
    size = network.sizes.first()
    playlist = make_playlist(network, {"media_asset": film}, name="矩阵轮播")
    now = timezone.now()
    return {
        "network": network,
        "size": size,
        "screen": Screen.objects.create(network=network, name="矩阵屏", size=size),
        "playlist": playlist,
        "play": PlayRecord.objects.create(
            network=network,
            log_name="matrix.csv",
            line_number=1,
            title="矩阵宣传片",
            started_at=now - dt.timedelta(minutes=1),
            ended_at=now,
            item=PlaylistItem.objects.get(playlist=playlist),
        ),
    }


def schedule_objects(owner) -> dict:
    """A channel of its own with a weekly slot, an airing next week and an
    as-run log with one unmatched line."""
    channel = make_channel("矩阵频道", broadcaster="矩阵电视台")
    programme = make_programme("矩阵节目", "matrix-programme")
    episode = make_episode(programme, 1, minutes=20)
    start_at = timezone.now().replace(microsecond=0) + dt.timedelta(days=7)
    rule = SlotRule.objects.create(
        programme=programme,
        channel=channel,
        weekday=start_at.weekday(),
        local_time=dt.time(19, 30),
        duration=dt.timedelta(minutes=30),
        valid_from=timezone.localdate(),
    )
    airing = airing_schedule(
        channel=channel,
        programme=programme,
        episode=episode,
        start_at=start_at,
        end_at=start_at + dt.timedelta(minutes=30),
    )
    log = AsRunImport.objects.create(
        channel=channel,
        file_name="matrix.xlsx",
        imported_by=owner,
        first_day=timezone.localdate(),
        last_day=timezone.localdate(),
    )
    line = AsRunLine.objects.create(
        log=log,
        line_number=1,
        actual_start_at=start_at,
        actual_end_at=start_at + dt.timedelta(minutes=30),
        title="未对应的节目",
    )
    return {
        "schedule_channel": channel.schedule,
        "slot_rule": rule,
        "airing": airing,
        "asrun": log,
        "asrun_line": line,
    }


def import_run(owner) -> ImportRun:
    """A dry-run-checked catalogue import that may be started, with a failed
    row that may be retried."""
    run = ImportRun.objects.create(
        sheet_name="矩阵目录.xlsx",
        media_root="/nonexistent",
        status=RunStatus.CHECKED,
        started_by=owner,
    )
    ImportRow.objects.create(
        key="matrix|1", run=run, sheet_row=2, status=RowStatus.FAILED
    )
    return run
