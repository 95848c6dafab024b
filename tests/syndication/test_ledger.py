"""The ledger's state machine: every legal move works and is recorded with
who, when, why and how; every other move is refused and changes nothing;
redelivery after withdrawal; out-of-date detection."""

import datetime as dt
import itertools

import pytest

from syndication.models import (
    TRANSITIONS,
    Delivery,
    DeliveryMethod,
    DeliveryState,
    Via,
)
from syndication.services import (
    IllegalTransition,
    delivery_is_out_of_date,
    delivery_transition,
)
from syndication.workflow import (
    QcRefused,
    deliveries_bulk_act,
    deliveries_out_of_date,
    deliveries_with_out_of_date,
    delivery_act,
    delivery_redeliver,
    delivery_run_qc,
)

from .builders import (
    build_asset,
    delivery_profile,
    good_delivery,
    make_manager,
    platform,
)

pytestmark = pytest.mark.django_db
S = DeliveryState


@pytest.fixture
def manager(db):
    return make_manager()


ALL_STATES = list(S.values)
LEGAL = [(a, b) for a, targets in TRANSITIONS.items() for b in sorted(targets)]
ILLEGAL = [
    (a, b)
    for a, b in itertools.product(ALL_STATES, ALL_STATES)
    if b not in TRANSITIONS[a]
]


def in_state(state: str) -> Delivery:
    """A delivery put straight into ``state`` (set-up only: the moves under
    test go through the service)."""
    delivery = good_delivery()
    Delivery.objects.filter(pk=delivery.pk).update(state=state)
    delivery.refresh_from_db()
    return delivery


def test_the_table_covers_every_state_and_moves_only_to_states():
    assert set(TRANSITIONS) == set(ALL_STATES)
    assert all(set(targets) <= set(ALL_STATES) for targets in TRANSITIONS.values())
    assert LEGAL and ILLEGAL


@pytest.mark.parametrize(("from_state", "to_state"), LEGAL)
def test_every_legal_move_works_and_is_recorded(demo, manager, from_state, to_state):
    delivery = in_state(from_state)
    before = delivery.events.count()

    moved = delivery_transition(
        delivery=delivery,
        to_state=to_state,
        via=Via.ADMIN,
        actor=manager,
        reason="按平台通知",
        payload={"note": "测试"},
    )

    assert moved.state == to_state
    delivery.refresh_from_db()
    assert delivery.state == to_state
    assert delivery.events.count() == before + 1
    event = delivery.events.last()
    assert (event.from_state, event.to_state) == (from_state, to_state)
    assert event.actor == manager
    assert event.via == Via.ADMIN
    assert event.reason == "按平台通知"
    assert event.payload == {"note": "测试"}
    assert event.created_at is not None


@pytest.mark.parametrize(("from_state", "to_state"), ILLEGAL)
def test_every_other_move_is_refused_and_changes_nothing(
    demo, manager, from_state, to_state
):
    delivery = in_state(from_state)
    history = list(delivery.events.values_list("pk", "from_state", "to_state"))
    version, updated_at = delivery.version, delivery.updated_at

    with pytest.raises(IllegalTransition) as refused:
        delivery_transition(
            delivery=delivery,
            to_state=to_state,
            via=Via.ADMIN,
            actor=manager,
            reason="试图越级",
            platform_item_id="NOPE",
        )

    from_label, to_label = S(from_state).label, S(to_state).label
    assert refused.value.reason == f"不能从“{from_label}”变为“{to_label}”。"
    delivery.refresh_from_db()
    assert delivery.state == from_state
    assert delivery.version == version and delivery.updated_at == updated_at
    assert delivery.platform_item_id == ""
    assert list(delivery.events.values_list("pk", "from_state", "to_state")) == history


def test_the_whole_road_to_adoption_is_kept_in_order(demo, manager):
    delivery = delivery_run_qc(delivery=good_delivery(), actor=manager)
    delivery = delivery_act(delivery=delivery, to_state=S.DELIVERED, actor=manager)
    assert delivery.version == 1 and delivery.delivered_at
    assert delivery.delivered_sha256 == delivery.asset.sha256
    assert delivery.delivered_revision == delivery.page.latest_revision
    delivery = delivery_transition(
        delivery=delivery, to_state=S.RECEIVED, via=Via.PARTNER_API, reason="已入库"
    )
    delivery = delivery_act(
        delivery=delivery,
        to_state=S.ADOPTED,
        actor=manager,
        adopted_on=dt.date(2024, 3, 15),
        platform_item_id="KPZG-1",
        platform_url="https://www.kepuchina.cn/article/1",
    )
    assert delivery.adopted_on == dt.date(2024, 3, 15)
    assert delivery.platform_item_id == "KPZG-1"
    moves = list(delivery.events.values_list("from_state", "to_state", "via"))
    assert moves == [
        (S.DRAFT, S.DRAFT, Via.SYSTEM),
        (S.DRAFT, S.READY, Via.ADMIN),
        (S.READY, S.DELIVERED, Via.ADMIN),
        (S.DELIVERED, S.RECEIVED, Via.PARTNER_API),
        (S.RECEIVED, S.ADOPTED, Via.ADMIN),
    ]


def test_manual_moves_need_qc_for_ready_and_a_reason_for_rejection(demo, manager):
    delivery = good_delivery()
    with pytest.raises(IllegalTransition):
        delivery_act(delivery=delivery, to_state=S.READY, actor=manager)
    delivery = delivery_run_qc(delivery=delivery, actor=manager)
    delivery = delivery_act(delivery=delivery, to_state=S.DELIVERED, actor=manager)
    with pytest.raises(ValueError, match="请填写原因"):
        delivery_act(delivery=delivery, to_state=S.REJECTED, actor=manager)
    delivery = delivery_act(
        delivery=delivery, to_state=S.REJECTED, actor=manager, reason="题材重复"
    )
    assert delivery.rejection_reason == "题材重复"
    assert delivery.events.last().reason == "题材重复"


def delivered(**kwargs) -> Delivery:
    delivery = delivery_run_qc(delivery=good_delivery(**kwargs), via=Via.SYSTEM)
    return delivery_transition(delivery=delivery, to_state=S.DELIVERED, via=Via.SYSTEM)


def test_redelivery_after_withdrawal(demo, manager):
    delivery = delivered()
    delivery = delivery_act(
        delivery=delivery, to_state=S.WITHDRAWN, actor=manager, reason="授权到期"
    )
    assert delivery.state == S.WITHDRAWN

    delivery = delivery_redeliver(delivery=delivery, actor=manager, reason="续签授权")

    assert delivery.state == S.DELIVERED
    assert delivery.version == 2
    moves = list(delivery.events.values_list("from_state", "to_state"))[-3:]
    assert moves == [
        (S.DELIVERED, S.WITHDRAWN),
        (S.WITHDRAWN, S.READY),
        (S.READY, S.DELIVERED),
    ]
    last = delivery.events.last()
    assert last.actor == manager and last.reason == "续签授权"


def test_out_of_date_when_the_page_gets_a_new_revision(demo):
    delivery = delivered()
    assert not delivery_is_out_of_date(delivery)
    assert not deliveries_with_out_of_date(Delivery.objects.filter(pk=delivery.pk))[
        0
    ].is_out_of_date

    page = delivery.page.specific
    page.summary = "改写后的内容提要"
    page.save_revision().publish()

    delivery.refresh_from_db()
    assert delivery_is_out_of_date(delivery)
    assert list(deliveries_out_of_date()) == [delivery]


def test_out_of_date_when_the_page_gets_new_media_and_one_action_redelivers(
    demo, manager
):
    delivery = delivered()
    delivery = delivery_act(
        delivery=delivery,
        to_state=S.ADOPTED,
        actor=manager,
        adopted_on=dt.date(2024, 6, 1),
    )
    page = delivery.page.specific
    new_media = build_asset(title="重新剪辑版")
    # New media without a new revision: only the media tells.
    type(page).objects.filter(pk=page.pk).update(media_asset=new_media)

    delivery = Delivery.objects.get(pk=delivery.pk)
    assert delivery_is_out_of_date(delivery)
    assert deliveries_out_of_date().filter(pk=delivery.pk).exists()

    delivery = delivery_redeliver(delivery=delivery, actor=manager)

    assert delivery.state == S.DELIVERED
    assert delivery.version == 2
    assert delivery.asset == new_media
    assert delivery.delivered_sha256 == new_media.sha256
    # The adoption stays on the record: the report counts it where it was.
    assert delivery.adopted_on == dt.date(2024, 6, 1)
    assert not delivery_is_out_of_date(delivery)
    assert not deliveries_out_of_date().filter(pk=delivery.pk).exists()
    reasons = list(delivery.events.values_list("reason", flat=True))[-3:]
    assert reasons[0].startswith("撤回第 1 版以重新交付")


def test_redelivery_refused_by_qc_leaves_the_platform_its_version(demo, manager):
    delivery = delivered()
    page = delivery.page.specific
    type(page).objects.filter(pk=page.pk).update(media_asset=build_asset(duration=30.0))
    history = delivery.events.count()

    with pytest.raises(QcRefused) as refused:
        delivery_redeliver(delivery=delivery, actor=manager)

    assert "短于平台要求的 2 分钟" in refused.value.reason
    delivery.refresh_from_db()
    assert delivery.state == S.DELIVERED and delivery.version == 1
    assert delivery.events.count() == history
    assert any(f["code"] == "too_short" for f in delivery.qc_report)


def test_package_platforms_stop_at_ready_with_a_package_on_its_way(
    demo, manager, django_capture_on_commit_callbacks
):
    profile = delivery_profile(platform("yangshipin"), method=DeliveryMethod.PACKAGE)
    delivery = good_delivery(profile=profile)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        delivery = delivery_redeliver(delivery=delivery, actor=manager)
    assert delivery.state == S.READY
    assert len(callbacks) == 1


def test_bulk_actions_report_each_refusal_and_do_the_rest(demo, manager):
    ready = delivery_run_qc(delivery=good_delivery(), actor=manager)
    draft = good_delivery()

    result = deliveries_bulk_act(
        deliveries=[ready, draft], action="deliver", actor=manager
    )

    assert [d.pk for d in result.done] == [ready.pk]
    assert [(d.pk, why) for d, why in result.refused] == [
        (draft.pk, "不能从“草稿”变为“已交付”。")
    ]
    with pytest.raises(ValueError, match="撤回需要填写原因"):
        deliveries_bulk_act(deliveries=[ready], action="withdraw", actor=manager)
