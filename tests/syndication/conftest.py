"""Deliveries, partners and media for the partner API and feed tests.

The session's demo site has episodes, short videos and music works without
media. Deliveries are made from those pages through the ledger's own
services; media, when a test needs files, is a MediaAsset published through
the media pipeline's job services, with small files saved through
default_storage (disk, or S3 with the ``s3_storage`` fixture).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from media_pipeline.models import AssetStatus, MediaAsset, MediaKind, RenditionKind
from media_pipeline.outputs import OutputFile
from media_pipeline.services.jobs import job_claim, job_publish, job_request
from syndication.keys import partner_key_create
from syndication.models import (
    Delivery,
    DeliveryState,
    PartnerAccount,
    Platform,
    Via,
)
from syndication.page_cache import PROCESS_PAGES
from syndication.services import delivery_create, delivery_transition

API = "/api/partner/v1"


@dataclass
class Partner:
    account: PartnerAccount
    key: str
    client: Client = field(default_factory=Client)

    @property
    def auth(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}"}

    def get(self, path: str, **extra):
        return self.client.get(
            path if "://" in path else API + path, **{**self.auth, **extra}
        )

    def post(self, path: str, data: dict, **extra):
        return self.client.post(
            API + path, data, content_type="application/json", **{**self.auth, **extra}
        )


def make_partner(name: str, platform: Platform) -> Partner:
    account = PartnerAccount.objects.create(name=name, platform=platform)
    _key, plaintext = partner_key_create(partner=account)
    return Partner(account=account, key=plaintext)


def deliver(page, platform: Platform, *, asset=None, **fields) -> Delivery:
    """``page`` delivered to ``platform`` through the ledger: draft → ready →
    delivered. ``fields`` (availability window, …) are set before delivery."""
    delivery = delivery_create(page=page, profile=platform.profiles.first())
    updates = dict(fields)
    if asset is not None:
        updates["asset"] = asset
    if updates:
        Delivery.objects.filter(pk=delivery.pk).update(**updates)
    for state in (DeliveryState.READY, DeliveryState.DELIVERED):
        delivery = delivery_transition(
            delivery=delivery, to_state=state, via=Via.SYSTEM, reason="测试"
        )
    return delivery


def move(delivery: Delivery, state: str, **fields) -> Delivery:
    return delivery_transition(
        delivery=delivery, to_state=state, via=Via.ADMIN, reason="测试", **fields
    )


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters and kept pages live in caches that outlive a
    test (the pages also in this process)."""
    caches["default"].clear()
    PROCESS_PAGES.clear()
    yield
    caches["default"].clear()
    PROCESS_PAGES.clear()


@pytest.fixture
def platforms(demo):
    # These tests build their own ledger on the demo pages; the demo's own
    # deliveries (rolled back with the test) would otherwise own those pages.
    Delivery.objects.all().delete()
    return {
        "a": Platform.objects.get(slug="kepu-china"),
        "b": Platform.objects.get(slug="yunshang-kepu"),
    }


@pytest.fixture
def partner_a(platforms) -> Partner:
    return make_partner("科普中国接口", platforms["a"])


@pytest.fixture
def partner_b(platforms) -> Partner:
    return make_partner("云上科普接口", platforms["b"])


def demo_items():
    """The demo's deliverable pages, interleaved by kind so that any first
    few of them hold every kind."""
    from cms.music.models import MusicWorkPage
    from cms.programmes.models import EpisodePage
    from cms.videos.models import ShortVideoPage

    lists = [
        list(EpisodePage.objects.order_by("path")),
        list(ShortVideoPage.objects.order_by("path")),
        list(MusicWorkPage.objects.order_by("path")),
    ]
    pages = []
    while any(lists):
        for pages_of_kind in lists:
            if pages_of_kind:
                pages.append(pages_of_kind.pop(0))
    return pages


@pytest.fixture
def deliveries(platforms, partner_a, partner_b):
    """Every demo item delivered to platform A; the first three also to B;
    one item of A left as a draft (never delivered)."""
    pages = demo_items()
    delivered_a = [deliver(page, platforms["a"]) for page in pages[:-1]]
    draft_a = delivery_create(page=pages[-1], profile=platforms["a"].profiles.first())
    delivered_b = [deliver(page, platforms["b"]) for page in pages[:3]]
    return {"a": delivered_a, "b": delivered_b, "draft_a": draft_a}


# --- media -------------------------------------------------------------------

MP4_BYTES = b"\x00\x00\x00\x18ftypmp42" + b"video-bytes" * 100
POSTER_BYTES = b"\xff\xd8\xff\xe0poster" + b"\x00" * 50
MASTER = (
    "#EXTM3U\n"
    "#EXT-X-VERSION:7\n"
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="aac",URI="audio/index.m3u8"\n'
    '#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=160x120,AUDIO="aac"\n'
    "120p/index.m3u8\n"
)
VARIANT = (
    "#EXTM3U\n"
    "#EXT-X-VERSION:7\n"
    "#EXT-X-TARGETDURATION:2\n"
    '#EXT-X-MAP:URI="init.mp4"\n'
    "#EXTINF:2.0,\n"
    "seg_0.m4s\n"
    "#EXT-X-ENDLIST\n"
)


@dataclass
class PublishedMedia:
    asset: MediaAsset
    files: dict[str, bytes]  # path in the job's output → content


def publish_media(title: str = "测试视频") -> PublishedMedia:
    """A ready video asset whose published job has an MP4, an HLS ladder of
    one rung and a poster, stored through default_storage."""
    sha256 = hashlib.sha256(secrets.token_bytes(16)).hexdigest()
    asset = MediaAsset.objects.create(
        title=title,
        kind=MediaKind.VIDEO,
        original=f"media/originals/{sha256[:2]}/{sha256}/source.mp4",
        original_filename="source.mp4",
        sha256=sha256,
        size=len(MP4_BYTES),
        duration=2.0,
        width=160,
        height=120,
    )
    job = job_claim(job_id=job_request(asset=asset, dispatch=False).pk, worker="tests")
    files = {
        "download.mp4": MP4_BYTES,
        "poster.jpg": POSTER_BYTES,
        "hls/master.m3u8": MASTER.encode(),
        "hls/120p/index.m3u8": VARIANT.encode(),
        "hls/120p/init.mp4": b"init-section",
        "hls/120p/seg_0.m4s": b"segment-zero",
        "hls/audio/index.m3u8": VARIANT.encode(),
        "hls/audio/init.mp4": b"audio-init",
        "hls/audio/seg_0.m4s": b"audio-segment",
    }
    for relative, content in files.items():
        name = f"{job.output_prefix}/{relative}"
        saved = default_storage.save(name, ContentFile(content))
        assert saved == name
    outputs = [
        OutputFile(
            "download.mp4",
            RenditionKind.MP4,
            len(MP4_BYTES),
            width=160,
            height=120,
            bitrate=400_000,
            duration=2.0,
        ),
        OutputFile(
            "hls/master.m3u8", RenditionKind.HLS_MASTER, len(MASTER), duration=2.0
        ),
        OutputFile(
            "hls/120p/index.m3u8",
            RenditionKind.HLS_VARIANT,
            len(VARIANT),
            width=160,
            height=120,
            bitrate=400_000,
            duration=2.0,
        ),
        OutputFile(
            "poster.jpg", RenditionKind.POSTER, len(POSTER_BYTES), width=160, height=120
        ),
    ]
    assert job_publish(job=job, outputs=outputs)
    asset.refresh_from_db()
    assert asset.status == AssetStatus.READY
    return PublishedMedia(asset=asset, files=files)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def media(media_root, demo) -> PublishedMedia:
    return publish_media()


def new_short_video(title: str, *, credits=(("陈思源", "director"),), topics=()):
    """A new published short video in the demo series."""
    from cms.people.models import Person
    from cms.videos.models import ShortVideoCredit, ShortVideoPage, VideoSeriesPage

    series = VideoSeriesPage.objects.order_by("path").first()
    number = ShortVideoPage.objects.child_of(series).count() + 1
    page = ShortVideoPage(
        title=title,
        slug=f"test-video-{secrets.token_hex(4)}",
        number_in_series=number,
        summary=f"{title}的内容提要",
    )
    page.credits = [
        ShortVideoCredit(person=Person.objects.get(name=name), role=role)
        for name, role in credits
    ]
    series.add_child(instance=page)
    if topics:
        page.topics.add(*topics)
    page.save_revision().publish()
    return page


@pytest.fixture
def delivered_with_media(platforms, media):
    """A new short video with media, delivered to A only."""
    page = new_short_video("带媒体的短视频", topics=("声学", "非遗"))
    return deliver(page, platforms["a"], asset=media.asset)
