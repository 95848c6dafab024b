"""A synthetic catalogue for the scale proof: episodes, short videos and music
works, with MediaAsset rows (no files) and delivered Delivery rows.

Used by ``bench/scale_bench.py`` (2,000 + 1,200 + 200 items) and by
``tests/catalogue/test_scale_queries.py`` (a few dozen). The few section
pages are made with Wagtail's ``add_child``; the thousands of leaf pages are
inserted in bulk (Page rows with their tree paths computed, then the
subclass's own table), as ``bench/partner_api_bench.py`` does: one
``add_child`` each would take minutes at the bench's size.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

TITLES = {
    "episode": "百嘎丽科普 第{n}期：沙漠里的科学",
    "video": "百嘎丽科普短视频 第{n}集：草方格",
    "music": "鄂尔多斯之歌 第{n}首",
}
# "草方格" is in the short videos' titles only: search then lists one page type
# at every size (the admin search makes a query per type it lists).
SUMMARY = "第{n}期从鄂尔多斯的风沙说起，讲科研人员如何把流沙固定下来。"


@dataclass
class Catalogue:
    programme_index_id: int
    programme_id: int
    video_series_id: int
    music_index_id: int
    partner_key: str
    items: int


def split(total: int) -> tuple[int, int, int]:
    """``total`` items in the issue's proportions (2,000 : 1,200 : 200)."""
    episodes = round(total * 2000 / 3400)
    videos = round(total * 1200 / 3400)
    return episodes, videos, max(total - episodes - videos, 0)


def _add_child(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def _bulk_children(parent, model, rows: list[dict], prefix: str) -> list[int]:
    """Insert ``len(rows)`` live ``model`` pages under ``parent`` (which has
    no children yet); each row holds the subclass's own field values and its
    ``title``. Returns the new page ids in order."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone
    from wagtail.models import Locale, Page

    if not rows:
        return []
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(model)
    locale = Locale.get_default()
    start = parent.numchild + 1
    pages = []
    for n, row in enumerate(rows, start=start):
        slug = f"{prefix}{n}"
        pages.append(
            Page(
                title=row["title"],
                draft_title=row["title"],
                slug=slug,
                content_type=content_type,
                path=Page._get_path(parent.path, parent.depth + 1, n),
                depth=parent.depth + 1,
                numchild=0,
                url_path=f"{parent.url_path}{slug}/",
                live=True,
                has_unpublished_changes=False,
                first_published_at=now,
                last_published_at=now,
                locale=locale,
                translation_key=uuid.uuid4(),
            )
        )
    Page.objects.bulk_create(pages, batch_size=500)
    ids = list(
        Page.objects.filter(depth=parent.depth + 1, path__startswith=parent.path)
        .order_by("path")
        .values_list("id", flat=True)
    )[start - 1 :]
    Page.objects.filter(pk=parent.pk).update(numchild=parent.numchild + len(rows))
    # Only the subclass's own table (bulk_create refuses multi-table
    # inheritance); the Page rows exist already.
    fields = model._meta.local_concrete_fields
    objects = [
        model(page_ptr_id=page_id, **{k: v for k, v in row.items() if k != "title"})
        for page_id, row in zip(ids, rows, strict=True)
    ]
    for first in range(0, len(objects), 500):
        model._base_manager._insert(objects[first : first + 500], fields=fields)
    return ids


def _index(page_ids: list[int], models) -> None:
    """Index the new pages in bulk, as ``manage.py update_index`` would (the
    bulk inserts send no signals), so that search finds them."""
    from wagtail.search.backends import get_search_backend

    backend = get_search_backend()
    for model in models:
        backend.add_bulk(model, list(model.objects.filter(pk__in=page_ids)))


def _assets(count: int):
    from media_pipeline.models import AssetStatus, MediaAsset, MediaKind

    rows = []
    for n in range(count):
        sha256 = secrets.token_hex(32)
        rows.append(
            MediaAsset(
                title=f"素材 {n + 1}",
                kind=MediaKind.VIDEO,
                status=AssetStatus.READY,
                original=f"media/originals/{sha256[:2]}/{sha256}/source.mp4",
                original_filename="source.mp4",
                sha256=sha256,
                size=123_456_789,
                duration=180.0,
                width=1920,
                height=1080,
            )
        )
    return MediaAsset.objects.bulk_create(rows, batch_size=500)


def generate(total: int, *, log=lambda message: None) -> Catalogue:
    """``total`` items under new sections of the default site's root page,
    as many MediaAsset rows, every item delivered to kepu-china, and a partner
    account on that platform (its plaintext key returned)."""
    from django.db import connection, transaction
    from django.utils import timezone
    from wagtail.models import Site

    from cms.music.models import MusicForm, MusicWorkIndexPage, MusicWorkPage
    from cms.programmes.models import EpisodePage, ProgramIndexPage, ProgramPage
    from cms.videos.models import ShortVideoPage, VideoIndexPage, VideoSeriesPage
    from syndication.keys import partner_key_create
    from syndication.models import Delivery, DeliveryState, PartnerAccount, Platform

    episodes, videos, music = split(total)
    tag = secrets.token_hex(3)
    home = Site.objects.get(is_default_site=True).root_page
    programme_index = _add_child(
        home, ProgramIndexPage(title="规模节目", slug=f"scale-programmes-{tag}")
    )
    programme = _add_child(
        programme_index, ProgramPage(title="百嘎丽科普", slug="baigali")
    )
    video_index = _add_child(
        home, VideoIndexPage(title="规模短视频", slug=f"scale-videos-{tag}")
    )
    series = _add_child(video_index, VideoSeriesPage(title="沙漠科普", slug="desert"))
    music_index = _add_child(
        home, MusicWorkIndexPage(title="规模音乐", slug=f"scale-music-{tag}")
    )
    now = timezone.now()
    forms = list(MusicForm.values)
    with transaction.atomic():
        log(f"  {episodes} episodes, {videos} short videos, {music} music works")
        page_ids = _bulk_children(
            programme,
            EpisodePage,
            [
                {
                    "title": TITLES["episode"].format(n=n),
                    "episode_number": n,
                    "air_at": now - dt.timedelta(days=n),
                    "duration": dt.timedelta(minutes=25),
                    "summary": SUMMARY.format(n=n),
                }
                for n in range(1, episodes + 1)
            ],
            "e",
        )
        page_ids += _bulk_children(
            series,
            ShortVideoPage,
            [
                {
                    "title": TITLES["video"].format(n=n),
                    "number_in_series": n,
                    "orientation": "16:9",
                    "duration": dt.timedelta(minutes=3),
                    "summary": SUMMARY.format(n=n),
                }
                for n in range(1, videos + 1)
            ],
            "v",
        )
        page_ids += _bulk_children(
            music_index,
            MusicWorkPage,
            [
                {"title": TITLES["music"].format(n=n), "form": forms[n % len(forms)]}
                for n in range(1, music + 1)
            ],
            "m",
        )
        _index(page_ids, (EpisodePage, ShortVideoPage, MusicWorkPage))
        assets = _assets(len(page_ids))
        platform = Platform.objects.get(slug="kepu-china")
        profile = platform.profiles.first()
        Delivery.objects.bulk_create(
            [
                Delivery(
                    page_id=page_id,
                    platform=platform,
                    profile=profile,
                    asset=asset,
                    state=DeliveryState.DELIVERED,
                    version=1,
                    delivered_at=now,
                )
                for page_id, asset in zip(page_ids, assets, strict=True)
            ],
            batch_size=500,
        )
        partner = PartnerAccount.objects.create(
            name=f"规模测试合作方 {tag}", platform=platform
        )
        _key, plaintext = partner_key_create(partner=partner)
    if connection.vendor == "postgresql":
        # Statistics for the planner, as autovacuum gathers them after a
        # bulk load: with those of the empty tables, PostgreSQL joined the
        # search index to every page row (1–2.5 s a query at 3,400 items).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return Catalogue(
        programme_index_id=programme_index.pk,
        programme_id=programme.pk,
        video_series_id=series.pk,
        music_index_id=music_index.pk,
        partner_key=plaintext,
        items=len(page_ids),
    )
