"""Demo deliveries: the demo site's episodes, short videos and music works
offered to 央视频, 科普中国 and 云上科普 in 2024, in every state the ledger
knows, so the ledger, QC and the adoption report have something to show.

They are recorded as an import of the 2024 hand-kept ledger (via 系统, with
that reason), and their history is dated over 2024. A few are left as drafts
and go through the real QC. Loading twice changes nothing: an item that
already has a delivery to a platform is left alone.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from cms.music.models import MusicWorkPage
from cms.programmes.models import EpisodePage
from cms.videos.models import ShortVideoPage

from .models import Delivery, DeliveryState, Platform, Via
from .services import delivery_create, delivery_transition
from .workflow import delivery_run_qc

SHANGHAI = ZoneInfo("Asia/Shanghai")
S = DeliveryState
IMPORT_REASON = "导入 2024 年手工分发台账（演示数据）"

# Items by (page model, title).
GURUGE = (ShortVideoPage, "鄂尔多斯古如歌")
MATOUQIN = (ShortVideoPage, "马头琴为什么能发出马嘶声")
CIXIU = (ShortVideoPage, "一分钟看懂蒙古族刺绣的配色")
KUBUQI = (EpisodePage, "库布其沙漠的绿色奇迹")
HUANGHE = (EpisodePage, "黄河几字弯的泥沙从哪里来")
JIANGSHUI = (EpisodePage, "读懂天气预报里的降水概率")
YIYANGHUATAN = (EpisodePage, "冬季取暖如何预防一氧化碳中毒")
FENGNENG = (EpisodePage, "为什么风能发电")
GUANGNIAN = (EpisodePage, "星空里的光年")
SONG = (MusicWorkPage, "百嘎丽之歌")
KEJIANCAO = (MusicWorkPage, "百嘎丽课间操")
XINGKONG = (MusicWorkPage, "草原星空")

# platform slug: [(item, final state, date, extra)], the date being the day of
# adoption, rejection, withdrawal or delivery.
PLAN = {
    "yangshipin": [
        (KUBUQI, S.ADOPTED, dt.date(2024, 3, 15), {"id": "YSP-2024-0315"}),
        (HUANGHE, S.ADOPTED, dt.date(2024, 5, 20), {"id": "YSP-2024-0520"}),
        (JIANGSHUI, S.ADOPTED, dt.date(2024, 8, 9), {"id": "YSP-2024-0809"}),
        (YIYANGHUATAN, S.ADOPTED, dt.date(2024, 11, 2), {"id": "YSP-2024-1102"}),
        (
            FENGNENG,
            S.REJECTED,
            dt.date(2024, 10, 8),
            {"reason": "栏目时长要求 2–5 分钟，本期超出，请提供精剪版。"},
        ),
        (GUANGNIAN, S.DELIVERED, dt.date(2024, 12, 18), {}),
        (GURUGE, S.DRAFT, None, {}),
    ],
    "kepu-china": [
        (GURUGE, S.ADOPTED, dt.date(2024, 5, 10), {"id": "KPZG-88121"}),
        (MATOUQIN, S.ADOPTED, dt.date(2024, 6, 18), {"id": "KPZG-90342"}),
        (CIXIU, S.ADOPTED, dt.date(2024, 9, 3), {"id": "KPZG-95507"}),
        (KUBUQI, S.ADOPTED, dt.date(2024, 4, 12), {"id": "KPZG-86610"}),
        (JIANGSHUI, S.ADOPTED, dt.date(2024, 10, 21), {"id": "KPZG-97733"}),
        (HUANGHE, S.RECEIVED, dt.date(2024, 12, 10), {}),
        (SONG, S.DRAFT, None, {}),
    ],
    "yunshang-kepu": [
        (GURUGE, S.ADOPTED, dt.date(2024, 5, 8), {"id": "ysk-1208"}),
        (MATOUQIN, S.ADOPTED, dt.date(2024, 5, 30), {"id": "ysk-1263"}),
        (CIXIU, S.ADOPTED, dt.date(2024, 7, 15), {"id": "ysk-1390"}),
        (KUBUQI, S.ADOPTED, dt.date(2024, 3, 20), {"id": "ysk-1102"}),
        (HUANGHE, S.ADOPTED, dt.date(2024, 4, 25), {"id": "ysk-1157"}),
        (JIANGSHUI, S.ADOPTED, dt.date(2024, 9, 12), {"id": "ysk-1455"}),
        (YIYANGHUATAN, S.ADOPTED, dt.date(2024, 12, 5), {"id": "ysk-1620"}),
        (SONG, S.ADOPTED, dt.date(2024, 6, 1), {"id": "ysk-1301"}),
        (KEJIANCAO, S.ADOPTED, dt.date(2024, 12, 20), {"id": "ysk-1641"}),
        (
            XINGKONG,
            S.WITHDRAWN,
            dt.date(2024, 11, 20),
            {"reason": "演出录像授权到期，暂时撤回。"},
        ),
        (FENGNENG, S.READY, dt.date(2024, 12, 27), {}),
    ],
}

# The moves that lead to each final state.
PATHS = {
    S.DRAFT: [],
    S.READY: [S.READY],
    S.DELIVERED: [S.READY, S.DELIVERED],
    S.RECEIVED: [S.READY, S.DELIVERED, S.RECEIVED],
    S.ADOPTED: [S.READY, S.DELIVERED, S.RECEIVED, S.ADOPTED],
    S.REJECTED: [S.READY, S.DELIVERED, S.RECEIVED, S.REJECTED],
    S.WITHDRAWN: [S.READY, S.DELIVERED, S.ADOPTED, S.WITHDRAWN],
}
#: Days before the final date at which each move happened.
DAYS_BEFORE = {
    S.READY: 24,
    S.DELIVERED: 21,
    S.RECEIVED: 14,
    S.ADOPTED: 0,
    S.REJECTED: 0,
    S.WITHDRAWN: 0,
}
# A withdrawn item had been adopted a month before it was withdrawn.
DAYS_BEFORE_WITHDRAWAL = {S.READY: 54, S.DELIVERED: 51, S.ADOPTED: 30, S.WITHDRAWN: 0}
PLATFORM_URLS = {
    "yangshipin": "https://www.yangshipin.cn/video/{id}",
    "kepu-china": "https://www.kepuchina.cn/article/{id}",
    "yunshang-kepu": "https://example.org/yunshang-kepu/{id}",
}


def _page(item):
    model, title = item
    return model.objects.filter(title=title).order_by("path").first()


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


@transaction.atomic
def demo_syndication() -> list[Delivery]:
    """Create the demo deliveries that do not exist yet; return those made."""
    made = []
    for slug, entries in PLAN.items():
        platform = Platform.objects.filter(slug=slug).first()
        profile = platform and platform.profiles.order_by("pk").first()
        if profile is None:
            continue
        for item, final, day, extra in entries:
            page = _page(item)
            if page is None:
                continue
            if Delivery.objects.filter(page=page, platform=platform).exists():
                continue
            made.append(_demo_delivery(page, profile, final, day, extra))
    return made


def _demo_delivery(page, profile, final: str, day, extra: dict) -> Delivery:
    delivery = delivery_create(page=page, profile=profile)
    if final == S.DRAFT:
        # Left for the real QC, which lists what still has to be fixed.
        return delivery_run_qc(delivery=delivery, via=Via.SYSTEM)
    days_before = DAYS_BEFORE_WITHDRAWAL if final == S.WITHDRAWN else DAYS_BEFORE
    path = PATHS[final]
    created = _at(day) - dt.timedelta(days=days_before[path[0]] + 3)
    delivery.events.update(created_at=created)
    for to_state in path:
        when = _at(day) - dt.timedelta(days=days_before[to_state])
        fields = {}
        reason = IMPORT_REASON
        if to_state == S.ADOPTED:
            item_id = extra.get("id", "")
            fields = {
                "adopted_on": timezone.localdate(when),
                "platform_item_id": item_id,
                "platform_url": PLATFORM_URLS[profile.platform.slug].format(
                    id=item_id or delivery.pk
                ),
            }
        elif to_state == S.REJECTED:
            fields = {"rejection_reason": extra.get("reason", "")}
            reason = extra.get("reason", reason)
        elif to_state == S.WITHDRAWN:
            reason = extra.get("reason", reason)
        delivery = delivery_transition(
            delivery=delivery,
            to_state=to_state,
            via=Via.SYSTEM,
            reason=reason,
            **fields,
        )
        delivery.events.filter(to_state=to_state).update(created_at=when)
        if to_state == S.DELIVERED:
            Delivery.objects.filter(pk=delivery.pk).update(delivered_at=when)
    delivery.refresh_from_db()
    return delivery
