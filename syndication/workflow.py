"""The syndication manager's work on the ledger: QC, delivery, redelivery,
packages and bulk actions. Every state change still goes through
``services.delivery_transition``; these services only decide which ones."""

from dataclasses import dataclass, field

from django.db import models, transaction
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.core.deliverables import deliverable_kinds, deliverable_media
from media_pipeline.models import JobStatus, MediaKind, TranscodeJob
from media_pipeline.services.jobs import job_request

from .models import (
    IN_PREPARATION,
    VISIBLE_TO_PARTNER,
    Delivery,
    DeliveryMethod,
    DeliveryState,
    Via,
)
from .qc import QcFinding, delivery_file_wanted, qc_check, qc_passed, qc_report
from .services import IllegalTransition, delivery_transition

S = DeliveryState


class QcRefused(Exception):
    """QC found errors, so the delivery was left as it was."""

    def __init__(self, delivery: Delivery, findings: list[QcFinding]):
        self.delivery = delivery
        self.findings = findings
        errors = [f.message for f in findings if f.is_error]
        self.reason = _("质检未通过：") + " ".join(errors)
        super().__init__(self.reason)


def _via(actor, via: str | None) -> str:
    return via or (Via.ADMIN if actor else Via.SYSTEM)


def _fresh(delivery: Delivery) -> Delivery:
    # QC must judge the page and media as they are now, not as a caller's
    # copy last saw them.
    return Delivery.objects.select_related("page", "platform", "profile").get(
        pk=delivery.pk
    )


def _current_asset(delivery: Delivery):
    return deliverable_media(delivery.page.specific)


def _qc_reason(findings: list[QcFinding]) -> str:
    errors = sum(1 for f in findings if f.is_error)
    if errors:
        return _("质检未通过：%(n)s 项问题") % {"n": errors}
    return _("质检通过")


def delivery_file_request(*, delivery: Delivery) -> TranscodeJob | None:
    """Ask the media pipeline for the delivery's file: the job of its
    profile's transcode profile over the page's current media.

    The same job machinery as every other rendition, and idempotent: asking
    again returns the job there is. None when there is no media to make it
    from (QC says why).
    """
    asset = _current_asset(delivery)
    if asset is None or not asset.is_ready:
        return None
    if delivery.profile.video_codec and asset.kind != MediaKind.VIDEO:
        return None
    return job_request(asset=asset, profile=delivery.profile.transcode_profile)


def _qc(delivery: Delivery) -> list[QcFinding]:
    """QC, starting the delivery file's transcode when that is all it waits
    for on the media side; the findings then say it is under way."""
    findings = qc_check(delivery)
    if delivery_file_wanted(findings) and delivery_file_request(delivery=delivery):
        findings = qc_check(delivery)
    return findings


def delivery_run_qc(
    *, delivery: Delivery, actor=None, via: str | None = None
) -> Delivery:
    """Check the delivery against its profile, keep the findings on it and move
    it to ready or qc_failed.

    A delivery file not made yet is asked of the media pipeline, in the same
    action, and QC reports it as under way; once that job finishes, QC runs
    again by itself (``delivery_run_qc_after_transcode``). Re-running QC on a
    ready delivery that still passes is recorded as a ready → ready move with
    the new findings. Raises IllegalTransition from states that QC cannot
    move (delivered, …).
    """
    return _run_qc(_fresh(delivery), actor=actor, via=_via(actor, via))


def _run_qc(
    delivery: Delivery, *, actor, via: str, why: str = "", payload: dict | None = None
) -> Delivery:
    findings = _qc(delivery)
    report = qc_report(findings)
    to_state = S.READY if qc_passed(findings) else S.QC_FAILED
    asset = _current_asset(delivery)
    return delivery_transition(
        delivery=delivery,
        to_state=to_state,
        via=via,
        actor=actor,
        reason=why + _qc_reason(findings),
        payload={"qc": report, **(payload or {})},
        qc_report=report,
        asset=asset,
    )


def delivery_redeliver(
    *, delivery: Delivery, actor=None, reason: str = "", via: str | None = None
) -> Delivery:
    """Deliver the item's current version in one action.

    QC runs first; if it fails nothing moves (the version the platform has
    stays with it), the findings are kept on the delivery and QcRefused lists
    them. Otherwise a version out with the platform is withdrawn, the
    delivery is made ready with the current media and, for platforms that
    pull, delivered as the next version — all in one transaction. Platforms
    that take packages stop at ready with a new package on its way: the
    manager uploads it and marks it delivered.
    """
    via = _via(actor, via)
    delivery = _fresh(delivery)
    findings = _qc(delivery)
    report = qc_report(findings)
    if not qc_passed(findings):
        Delivery.objects.filter(pk=delivery.pk).update(qc_report=report)
        delivery.refresh_from_db()
        raise QcRefused(delivery, findings)
    return _redeliver(
        delivery=delivery,
        findings=findings,
        actor=actor,
        via=via,
        why=reason or _("内容已更新，重新交付"),
    )


@transaction.atomic
def _redeliver(*, delivery, findings, actor, via, why) -> Delivery:
    report = qc_report(findings)
    if delivery.state in VISIBLE_TO_PARTNER:  # out with the platform
        delivery = delivery_transition(
            delivery=delivery,
            to_state=S.WITHDRAWN,
            via=via,
            actor=actor,
            reason=_("撤回第 %(v)s 版以重新交付：%(why)s")
            % {"v": delivery.version, "why": why},
        )
    delivery = delivery_transition(
        delivery=delivery,
        to_state=S.READY,
        via=via,
        actor=actor,
        reason=_qc_reason(findings),
        payload={"qc": report},
        qc_report=report,
        asset=_current_asset(delivery),
    )
    if delivery.profile.method == DeliveryMethod.PULL:
        return delivery_transition(
            delivery=delivery, to_state=S.DELIVERED, via=via, actor=actor, reason=why
        )
    package_request(delivery=delivery)
    return delivery


# --- When the media pipeline finishes a delivery file --------------------------

#: The states QC moves by itself once the file a delivery waits for is made
#: or has failed. Not delivered or beyond: QC could move a rejected, withdrawn
#: or expired delivery too, but offering it again is the manager's decision.
QC_AFTER_TRANSCODE = IN_PREPARATION

_AFTER_TRANSCODE_WHY = {
    JobStatus.SUCCEEDED: gettext_lazy("交付文件已生成，系统自动重新质检。"),
    JobStatus.FAILED: gettext_lazy("交付文件生成失败，系统自动重新质检。"),
}


def deliveries_made_from(*, job: TranscodeJob):
    """The deliveries whose file ``job`` makes and that QC may still move: the
    page's current media is the job's asset, as it is now (the job's source),
    and the profile's transcode profile is the job's. One query."""
    return Delivery.objects.annotate(
        current_asset_id=_current_media("id"),
        current_sha256=_current_media("sha256"),
    ).filter(
        state__in=QC_AFTER_TRANSCODE,
        profile__transcode_profile_id=job.profile_id,
        current_asset_id=job.asset_id,
        current_sha256=job.source_sha256,
    )


def qc_after_transcode_request(*, job: TranscodeJob) -> list[int]:
    """Queue QC again for each delivery ``job`` made the file of; their ids.

    Called once the job's end is committed (the media pipeline's
    ``job_finished``), so the tasks see it.
    """
    from .tasks import rerun_qc

    ids = list(deliveries_made_from(job=job).values_list("pk", flat=True))
    for pk in ids:
        rerun_qc.apply_async(args=(pk, job.pk), queue="default")
    return ids


def delivery_run_qc_after_transcode(
    *, delivery: Delivery, job: TranscodeJob
) -> Delivery | None:
    """QC run again by the system because ``job``, which makes the delivery's
    file, has finished: the file is there, or QC says why it failed.

    None, and nothing recorded, when there is nothing to do: the job was run
    again or cancelled since (a later end is announced again), the delivery
    has moved on (delivered, withdrawn, …) or no longer uses that file, or
    this end of the job was already handled (a task delivered twice).
    """
    why = _AFTER_TRANSCODE_WHY.get(job.status)
    if why is None or job.finished_at is None:
        return None
    marker = {
        "id": job.pk,
        "status": job.status,
        "finished_at": job.finished_at.isoformat(),
    }
    with transaction.atomic():
        # Locked while QC runs, so a manager's move in between (delivered,
        # withdrawn) is not overtaken by this one.
        locked = (
            deliveries_made_from(job=job)
            .select_for_update(of=("self",))
            .filter(pk=delivery.pk)
            .first()
        )
        if locked is None:
            return None
        handled = locked.events.filter(
            payload__transcode_job__id=job.pk,
            payload__transcode_job__finished_at=marker["finished_at"],
        )
        if handled.exists():
            return None
        return _run_qc(
            _fresh(locked),
            actor=None,
            via=Via.SYSTEM,
            why=str(why),
            payload={"transcode_job": marker},
        )


def package_request(*, delivery: Delivery) -> None:
    """Build the delivery's package in the background once this commits."""
    from .tasks import build_package

    transaction.on_commit(
        lambda: build_package.apply_async(args=(delivery.pk,), queue="default")
    )


# --- Actions offered to managers ----------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    """A move offered in the admin and what it needs from the manager."""

    to_state: str
    label: str
    needs_reason: bool = False
    fields: tuple[str, ...] = ()
    style: str = ""


#: The moves a manager makes by hand. Ready and qc_failed are reached only by
#: running QC, so a delivery can never be made ready without passing it.
MANUAL_ACTIONS = {
    S.DELIVERED: ActionSpec(S.DELIVERED, gettext_lazy("标记为已交付")),
    S.RECEIVED: ActionSpec(S.RECEIVED, gettext_lazy("平台已接收")),
    S.ADOPTED: ActionSpec(
        S.ADOPTED,
        gettext_lazy("记录采用"),
        fields=("adopted_on", "platform_item_id", "platform_url"),
    ),
    S.REJECTED: ActionSpec(
        S.REJECTED, gettext_lazy("记录未采用"), needs_reason=True, style="warning"
    ),
    S.WITHDRAWN: ActionSpec(
        S.WITHDRAWN, gettext_lazy("撤回"), needs_reason=True, style="serious"
    ),
    S.EXPIRED: ActionSpec(S.EXPIRED, gettext_lazy("标记为已过期"), style="warning"),
}


def delivery_manual_actions(delivery: Delivery) -> list[ActionSpec]:
    allowed = delivery.allowed_next_states()
    return [spec for state, spec in MANUAL_ACTIONS.items() if state in allowed]


def delivery_can_run_qc(delivery: Delivery) -> bool:
    return S.READY in delivery.allowed_next_states()


def delivery_act(
    *,
    delivery: Delivery,
    to_state: str,
    actor=None,
    reason: str = "",
    via: str | None = None,
    **fields,
) -> Delivery:
    """A manual move from the admin, with the checks the ledger alone does not
    make: ready only through QC, a reason for rejections and withdrawals."""
    if to_state not in S.values:
        raise ValueError(_("未知的操作。"))
    if to_state not in MANUAL_ACTIONS:
        raise IllegalTransition(delivery, to_state)
    spec = MANUAL_ACTIONS[to_state]
    if spec.needs_reason and not reason.strip():
        raise ValueError(_("请填写原因。"))
    if to_state == S.REJECTED:
        fields["rejection_reason"] = reason.strip()
    accepted = (*spec.fields, "rejection_reason")
    fields = {k: v for k, v in fields.items() if k in accepted and v not in (None, "")}
    return delivery_transition(
        delivery=delivery,
        to_state=to_state,
        via=_via(actor, via),
        actor=actor,
        reason=reason.strip(),
        **fields,
    )


@dataclass
class BulkResult:
    done: list[Delivery] = field(default_factory=list)
    refused: list[tuple[Delivery, str]] = field(default_factory=list)


BULK_ACTIONS = {
    "qc": gettext_lazy("运行质检"),
    "deliver": gettext_lazy("标记为已交付"),
    "withdraw": gettext_lazy("撤回"),
}


def deliveries_bulk_act(
    *, deliveries, action: str, actor=None, reason: str = ""
) -> BulkResult:
    """Apply one action to many deliveries; each that the ledger refuses is
    reported with its reason and the others go ahead."""
    if action not in BULK_ACTIONS:
        raise ValueError(action)
    if action == "withdraw" and not reason.strip():
        raise ValueError(_("撤回需要填写原因。"))
    result = BulkResult()
    for delivery in deliveries:
        try:
            with transaction.atomic():
                if action == "qc":
                    delivery = delivery_run_qc(delivery=delivery, actor=actor)
                elif action == "deliver":
                    delivery = delivery_act(
                        delivery=delivery,
                        to_state=S.DELIVERED,
                        actor=actor,
                        reason=reason,
                    )
                else:
                    delivery = delivery_act(
                        delivery=delivery,
                        to_state=S.WITHDRAWN,
                        actor=actor,
                        reason=reason,
                    )
        except (IllegalTransition, ValueError) as error:
            result.refused.append((delivery, str(error)))
        else:
            result.done.append(delivery)
    return result


# --- Reads --------------------------------------------------------------------


def _current_media(field: str) -> Coalesce | models.F:
    """``field`` of the media the delivery's page carries now."""
    # The media lives on the deliverable page types, one table each; a page
    # is of one type, so at most one of them is not NULL.
    media = [
        models.F("page__" + kind.lookup_from_page(f"{kind.media_field}__{field}"))
        for kind in deliverable_kinds()
    ]
    return Coalesce(*media) if len(media) > 1 else media[0]


def deliveries_with_out_of_date(queryset):
    """``queryset`` with ``is_out_of_date``: the same answer as
    ``services.delivery_is_out_of_date`` for each row, in one query."""
    queryset = queryset.annotate(current_sha256=_current_media("sha256"))
    media_changed = models.Q(current_sha256__isnull=False) & ~models.Q(
        current_sha256=models.F("delivered_sha256")
    )
    revision_changed = (
        models.Q(delivered_revision__isnull=False)
        & models.Q(page__latest_revision__isnull=False)
        & ~models.Q(page__latest_revision=models.F("delivered_revision"))
    )
    return queryset.annotate(
        is_out_of_date=models.Case(
            models.When(
                models.Q(state__in=VISIBLE_TO_PARTNER)
                & (media_changed | revision_changed),
                then=models.Value(True),
            ),
            default=models.Value(False),
            output_field=models.BooleanField(),
        )
    )


def deliveries_out_of_date(queryset=None):
    """Deliveries whose item changed after it went out."""
    queryset = Delivery.objects.all() if queryset is None else queryset
    return deliveries_with_out_of_date(queryset).filter(is_out_of_date=True)


# --- Take-down: a page offline takes its items off the platforms -------------

#: Why the system withdrew a delivery whose page went offline.
PAGE_OFFLINE_REASON = gettext_lazy(
    "页面已下线（撤销发布或到期），内容随之从合作平台撤回。"
)


def deliveries_take_down_with_page(*, page) -> list[int]:
    """Withdraw every delivery of ``page`` and of the pages below it that is
    out with its platform, as the system, because the page is offline (a
    page below one that is offline cannot be reached either).

    The rule, one for every way a page goes offline (unpublished, expired):
    its items leave the partner API, the feeds and the signed
    downloads at once — a withdrawn delivery reads as a tombstone in the
    listing, is not in the feeds, and its links answer 410 — and the ledger's
    history says so, via 系统. Bringing the item back is a redelivery.
    Returns the ids withdrawn.
    """
    withdrawn = []
    out = Delivery.objects.filter(
        page__path__startswith=page.path, state__in=VISIBLE_TO_PARTNER
    )
    for delivery in out:
        try:
            delivery_transition(
                delivery=delivery,
                to_state=S.WITHDRAWN,
                via=Via.SYSTEM,
                reason=str(PAGE_OFFLINE_REASON),
            )
        except IllegalTransition:  # moved meanwhile by someone else
            continue
        withdrawn.append(delivery.pk)
    return withdrawn
