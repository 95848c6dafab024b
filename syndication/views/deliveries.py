"""The ledger in the admin: listing with filters and bulk actions, the
delivery's page (state, QC findings, history, next moves), new deliveries,
packages to download."""

import posixpath

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property, lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import (
    BaseColumn,
    Column,
    DateColumn,
    StatusTagColumn,
    TitleColumn,
)
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import AdminPageChooser, HeaderButton
from wagtail.models import Page
from wagtail.permissions import policy_registry

from cms.core.deliverables import (
    deliverable_labels_text,
    deliverable_media,
    deliverable_page_models,
    kind_for_model,
)
from media_pipeline.file_responses import NO_STORE, file_response
from search_engine.admin import EngineSearchMixin

from ..models import (
    TAKEN_DOWN,
    VISIBLE_TO_PARTNER,
    Delivery,
    DeliveryMethod,
    DeliveryProfile,
    DeliveryState,
    FetchRecord,
    Platform,
)
from ..packages import package_folder, package_list, package_version
from ..services import IllegalTransition, delivery_create
from ..workflow import (
    BULK_ACTIONS,
    MANUAL_ACTIONS,
    QcRefused,
    deliveries_bulk_act,
    deliveries_with_out_of_date,
    delivery_act,
    delivery_can_run_qc,
    delivery_manual_actions,
    delivery_redeliver,
    delivery_run_qc,
    package_request,
)

S = DeliveryState
#: States shown as "done" (green) and "stopped" (red) in the listing.
GOOD_STATES = VISIBLE_TO_PARTNER | {S.READY}
INDEX = "syndication_deliveries:index"
HISTORY_FETCHES = 20
REFUSALS_NAMED = 10


def delivery_policy():
    return policy_registry.get_by_type(Delivery)


def _require(request, action: str) -> None:
    if not delivery_policy().user_has_permission(request.user, action):
        raise PermissionDenied


def group_pages():
    """The programmes, series and music library deliverable items live under."""
    parents = set()
    for model in deliverable_page_models():
        parents.update(model.allowed_parent_page_models())
    return Page.objects.type(*parents).order_by("path")


# --- Listing ------------------------------------------------------------------


def _group_choices():
    return [(str(page.pk), page.title) for page in group_pages()]


class DeliveryFilterSet(WagtailFilterSet):
    platform = django_filters.ModelChoiceFilter(
        label=gettext_lazy("平台"),
        queryset=Platform.objects.all(),
        empty_label=gettext_lazy("全部"),
        widget=forms.RadioSelect,
    )
    state = django_filters.MultipleChoiceFilter(
        label=gettext_lazy("状态"),
        choices=DeliveryState.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    group = django_filters.ChoiceFilter(
        label=gettext_lazy("节目或系列"),
        choices=_group_choices,
        method="filter_group",
        empty_label=gettext_lazy("全部"),
    )
    out_of_date = django_filters.ChoiceFilter(
        label=gettext_lazy("内容更新"),
        choices=[
            ("yes", gettext_lazy("交付后内容已更新")),
            ("no", gettext_lazy("与交付版本一致")),
        ],
        method="filter_out_of_date",
        empty_label=gettext_lazy("全部"),
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Delivery
        fields = []

    def filter_group(self, queryset, name, value):
        parent = Page.objects.filter(pk=value).first()
        if parent is None:
            return queryset.none()
        return queryset.filter(
            page__path__startswith=parent.path, page__depth=parent.depth + 1
        )

    def filter_out_of_date(self, queryset, name, value):
        if value not in ("yes", "no"):
            return queryset
        if "is_out_of_date" not in queryset.query.annotations:
            queryset = deliveries_with_out_of_date(queryset)
        return queryset.filter(is_out_of_date=value == "yes")


class SelectColumn(BaseColumn):
    """A checkbox per row for the bulk actions form above the table."""

    header_template_name = "syndication/admin/select_header.html"
    cell_template_name = "syndication/admin/select_cell.html"


class StateColumn(StatusTagColumn):
    def get_primary(self, instance):
        return instance.state in GOOD_STATES


class OutOfDateColumn(Column):
    cell_template_name = "syndication/admin/out_of_date_cell.html"


class DeliveryIndexView(EngineSearchMixin, generic.IndexView):
    results_template_name = "syndication/admin/delivery_index_results.html"
    template_name = "syndication/admin/delivery_index.html"
    any_permission_required = ["add", "change", "view"]
    default_ordering = "-updated_at"
    add_item_label = gettext_lazy("新建交付")

    def get_base_queryset(self):
        return deliveries_with_out_of_date(
            Delivery.objects.select_related("page", "platform", "profile")
        )

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        buttons.append(
            HeaderButton(
                _("采用报表"),
                url=reverse("syndication_reports:index"),
                icon_name="table",
                priority=20,
            )
        )
        return buttons

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["bulk_url"] = reverse("syndication_deliveries:bulk")
        # Back to the listing as filtered, also when these results were
        # fetched on their own after a filter changed.
        query = self.request.GET.urlencode()
        context["bulk_next"] = reverse(INDEX) + (f"?{query}" if query else "")
        context["bulk_actions"] = BULK_ACTIONS.items()
        context["can_change"] = self.permission_policy.user_has_permission(
            self.request.user, "change"
        )
        return context


# --- The delivery's page ------------------------------------------------------


class ActionForm(forms.Form):
    to_state = forms.ChoiceField(label=gettext_lazy("操作"), choices=S.choices)
    reason = forms.CharField(
        label=gettext_lazy("原因"), required=False, max_length=2000
    )
    adopted_on = forms.DateField(label=gettext_lazy("采用日期"), required=False)
    platform_item_id = forms.CharField(
        label=gettext_lazy("平台内编号"), required=False, max_length=200
    )
    platform_url = forms.URLField(
        label=gettext_lazy("平台链接"),
        required=False,
        max_length=500,
        assume_scheme="https",
    )


class DeliveryInspectView(generic.InspectView):
    template_name = "syndication/admin/delivery_detail.html"
    any_permission_required = ["add", "change", "view"]

    def get_object(self, queryset=None):
        return get_object_or_404(
            deliveries_with_out_of_date(
                Delivery.objects.select_related(
                    "page", "platform", "profile__transcode_profile", "asset"
                )
            ),
            pk=self.pk,
        )

    def get_fields(self):
        return []

    def get_page_title(self):
        return _("交付")

    def get_page_subtitle(self):
        return str(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        delivery = self.object
        page = delivery.page.specific
        can_change = self.permission_policy.user_has_permission(
            self.request.user, "change"
        )
        findings = delivery.qc_report or []
        context.update(
            delivery=delivery,
            state_is_good=delivery.state in GOOD_STATES,
            item=page,
            item_type=page._meta.verbose_name,
            item_group=page.get_parent(),
            current_asset=deliverable_media(page),
            events=delivery.events.select_related("actor", "partner"),
            qc_errors=[f for f in findings if f.get("severity") != "warning"],
            qc_warnings=[f for f in findings if f.get("severity") == "warning"],
            can_change=can_change,
            actions=delivery_manual_actions(delivery) if can_change else [],
            can_run_qc=can_change and delivery_can_run_qc(delivery),
            can_redeliver=can_change
            and (delivery.is_out_of_date or delivery.state in TAKEN_DOWN),
            is_package=delivery.profile.method == DeliveryMethod.PACKAGE,
            packages=package_list(delivery)
            if delivery.profile.method == DeliveryMethod.PACKAGE
            else [],
            next_package_version=package_version(delivery),
            today=timezone.localdate(),
            fetches=FetchRecord.objects.filter(delivery=delivery).select_related(
                "partner"
            )[:HISTORY_FETCHES],
            action_url=reverse("syndication_deliveries:act", args=(delivery.pk,)),
        )
        return context


def _back(delivery: Delivery):
    return redirect("syndication_deliveries:inspect", delivery.pk)


def _delivery_for_change(request, pk: int) -> Delivery:
    if request.method != "POST":
        raise Http404
    _require(request, "change")
    return get_object_or_404(Delivery, pk=pk)


def act_view(request, pk: int):
    """One manual move from the delivery's page: a state and its reason."""
    delivery = _delivery_for_change(request, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        problems = "；".join(
            f"{form.fields[name].label or name}：{' '.join(errors)}"
            if name in form.fields and name != "to_state"
            else _("未知的操作。")
            for name, errors in form.errors.items()
        )
        messages.error(request, _("操作未执行：%(why)s") % {"why": problems})
        return _back(delivery)
    data = form.cleaned_data
    to_state = data["to_state"]
    if to_state not in MANUAL_ACTIONS:
        messages.error(
            request,
            _("“%(state)s”只能通过质检进入：请点击“运行质检”。")
            % {"state": DeliveryState(to_state).label},
        )
        return _back(delivery)
    try:
        delivery_act(
            delivery=delivery,
            to_state=to_state,
            actor=request.user,
            reason=data["reason"],
            adopted_on=data["adopted_on"],
            platform_item_id=data["platform_item_id"],
            platform_url=data["platform_url"],
        )
    except IllegalTransition as error:
        messages.error(request, _("操作未执行：%(why)s") % {"why": error.reason})
    except ValueError as error:
        messages.error(request, _("操作未执行：%(why)s") % {"why": error})
    else:
        messages.success(
            request,
            _("已变为“%(state)s”。") % {"state": DeliveryState(to_state).label},
        )
    return _back(delivery)


def qc_view(request, pk: int):
    delivery = _delivery_for_change(request, pk)
    try:
        delivery = delivery_run_qc(delivery=delivery, actor=request.user)
    except IllegalTransition as error:
        messages.error(
            request,
            _("不能在“%(state)s”状态下运行质检（%(why)s）；内容更新后请用“重新交付”。")
            % {"state": delivery.get_state_display(), "why": error.reason},
        )
    else:
        if delivery.state == S.READY:
            messages.success(request, _("质检通过，可以交付。"))
        else:
            messages.warning(request, _("质检未通过，请按下列问题修改后重新质检。"))
    return _back(delivery)


def redeliver_view(request, pk: int):
    delivery = _delivery_for_change(request, pk)
    try:
        delivery = delivery_redeliver(
            delivery=delivery,
            actor=request.user,
            reason=request.POST.get("reason", "").strip(),
        )
    except QcRefused as error:
        messages.error(
            request,
            _("未重新交付：质检未通过，平台上的版本保持不变。请按下列问题修改。"),
        )
        for finding in error.findings:
            if finding.is_error:
                messages.error(request, finding.message)
    except IllegalTransition as error:
        messages.error(request, _("未重新交付：%(why)s") % {"why": error.reason})
    else:
        if delivery.state == S.DELIVERED:
            messages.success(
                request,
                _("已重新交付第 %(v)s 版。") % {"v": delivery.version},
            )
        else:
            messages.success(
                request,
                _("质检通过，正在生成新的交付包；上传到平台后请标记为已交付。"),
            )
    return _back(delivery)


def package_view(request, pk: int):
    delivery = _delivery_for_change(request, pk)
    package_request(delivery=delivery)
    messages.success(
        request,
        _("正在后台生成第 %(v)s 版交付包，稍后刷新本页即可下载。")
        % {"v": package_version(delivery)},
    )
    return _back(delivery)


def package_download_view(request, pk: int):
    """A built package, streamed from storage (disk or S3) as an attachment."""
    _require_any_view(request)
    delivery = get_object_or_404(Delivery, pk=pk)
    name = request.GET.get("name", "")
    folder = package_folder(delivery) + "/"
    if (
        not name.startswith(folder)
        or posixpath.normpath(name) != name
        or not name.endswith(".zip")
        or not default_storage.exists(name)
    ):
        raise Http404
    return file_response(
        request,
        name,
        content_type="application/zip",
        cache_control=NO_STORE,
        filename=posixpath.basename(name),
        attachment=True,
    )


def _require_any_view(request) -> None:
    if not delivery_policy().user_has_any_permission(
        request.user, ["add", "change", "view"]
    ):
        raise PermissionDenied


class BulkView(View):
    http_method_names = ["post"]

    def post(self, request):
        _require(request, "change")
        ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "").strip()
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse(INDEX)
        if not ids:
            messages.error(request, _("请先勾选要处理的交付。"))
            return redirect(back)
        if action not in BULK_ACTIONS:
            messages.error(request, _("未知的批量操作。"))
            return redirect(back)
        deliveries = Delivery.objects.filter(pk__in=ids).select_related(
            "page", "platform"
        )
        try:
            result = deliveries_bulk_act(
                deliveries=deliveries, action=action, actor=request.user, reason=reason
            )
        except ValueError as error:
            messages.error(request, str(error))
            return redirect(back)
        label = BULK_ACTIONS[action]
        if result.done:
            messages.success(
                request,
                _("%(action)s：%(n)s 条已处理。")
                % {"action": label, "n": len(result.done)},
            )
        # One message per reason, not one per delivery: a bulk action over a
        # filtered listing may be refused for dozens at once.
        by_reason: dict[str, list[Delivery]] = {}
        for delivery, why in result.refused:
            by_reason.setdefault(why, []).append(delivery)
        for why, refused in by_reason.items():
            named = "、".join(
                f"《{d.page.title}》→ {d.platform.name}"
                for d in refused[:REFUSALS_NAMED]
            )
            if len(refused) > REFUSALS_NAMED:
                named += _(" 等")
            messages.error(
                request,
                _("%(n)s 条未处理：%(why)s（%(named)s）")
                % {"n": len(refused), "why": why, "named": named},
            )
        return redirect(back)


# --- New deliveries -----------------------------------------------------------


class DeliveryCreateForm(forms.Form):
    page = forms.ModelChoiceField(
        label=gettext_lazy("内容"),
        queryset=Page.objects.all(),
        widget=AdminPageChooser(target_models=deliverable_page_models()),
        help_text=lazy(lambda: deliverable_labels_text() + "。", str)(),
    )
    profiles = forms.ModelMultipleChoiceField(
        label=gettext_lazy("交付到"),
        queryset=DeliveryProfile.objects.filter(platform__is_active=True)
        .select_related("platform")
        .order_by("platform_id", "name"),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("每个平台选一个交付规格。"),
    )
    run_qc = forms.BooleanField(
        label=gettext_lazy("立即质检"), required=False, initial=True
    )

    def clean_page(self):
        page = self.cleaned_data["page"]
        if kind_for_model(page.specific_class) is None:
            raise forms.ValidationError(
                _("只能交付%(kinds)s。") % {"kinds": deliverable_labels_text()}
            )
        return page

    def clean_profiles(self):
        profiles = self.cleaned_data["profiles"]
        platforms = [p.platform_id for p in profiles]
        if len(platforms) != len(set(platforms)):
            raise forms.ValidationError(_("同一平台只能选一个交付规格。"))
        return profiles


class DeliveryCreateView(WagtailAdminTemplateMixin, FormView):
    form_class = DeliveryCreateForm
    template_name = "syndication/admin/delivery_create.html"
    page_title = gettext_lazy("新建交付")
    header_icon = "resubmit"

    def dispatch(self, request, *args, **kwargs):
        _require(request, "add")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        page_id = self.request.GET.get("page", "")
        if page_id.isdigit():
            initial["page"] = Page.objects.filter(pk=page_id).first()
        return initial

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("syndication_deliveries:index"), "label": _("交付台账")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["media"] = context["form"].media
        context["action_url"] = reverse("syndication_deliveries:add")
        context["submit_button_label"] = _("新建交付")
        return context

    def form_valid(self, form):
        page = form.cleaned_data["page"]
        made = []
        for profile in form.cleaned_data["profiles"]:
            existing = Delivery.objects.filter(
                page=page, platform=profile.platform
            ).first()
            if existing:
                messages.warning(
                    self.request,
                    _("《%(title)s》已有到%(platform)s的交付，未重复新建。")
                    % {"title": page.title, "platform": profile.platform.name},
                )
                made.append(existing)
                continue
            delivery = delivery_create(
                page=page, profile=profile, actor=self.request.user
            )
            if form.cleaned_data["run_qc"]:
                delivery = delivery_run_qc(delivery=delivery, actor=self.request.user)
            made.append(delivery)
            messages.success(
                self.request,
                _("已新建《%(title)s》→ %(platform)s：%(state)s。")
                % {
                    "title": page.title,
                    "platform": profile.platform.name,
                    "state": delivery.get_state_display(),
                },
            )
        if len(made) == 1:
            return redirect("syndication_deliveries:inspect", made[0].pk)
        return redirect("syndication_deliveries:index")


# --- The viewset ----------------------------------------------------------------


class AvailabilityForm(WagtailAdminModelForm):
    """The window in which partners may fetch the item."""

    class Meta:
        model = Delivery
        fields = ["available_from", "available_until"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("available_from"), cleaned.get("available_until")
        if start and end and end <= start:
            self.add_error("available_until", _("截止时间须晚于起始时间。"))
        return cleaned


class DeliveryViewSet(ModelViewSet):
    model = Delivery
    icon = "resubmit"
    menu_label = gettext_lazy("交付台账")
    name = "syndication_deliveries"
    url_prefix = "syndication/deliveries"
    index_view_class = DeliveryIndexView
    inspect_view_class = DeliveryInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    filterset_class = DeliveryFilterSet
    list_per_page = 50
    list_display = [
        SelectColumn("select", label=""),
        TitleColumn(
            "page",
            label=gettext_lazy("内容"),
            accessor="page.title",
            url_name="syndication_deliveries:inspect",
            sort_key="page__title",
        ),
        Column("platform", label=gettext_lazy("平台"), sort_key="platform__name"),
        StateColumn(
            "state",
            label=gettext_lazy("状态"),
            accessor="get_state_display",
            sort_key="state",
        ),
        OutOfDateColumn("is_out_of_date", label=gettext_lazy("内容更新")),
        Column("version", label=gettext_lazy("版本"), sort_key="version"),
        Column("adopted_on", label=gettext_lazy("采用日期"), sort_key="adopted_on"),
        DateColumn("updated_at", label=gettext_lazy("更新时间"), sort_key="updated_at"),
    ]

    @property
    def add_view(self):
        return DeliveryCreateView.as_view()

    def get_form_class(self, for_update=False):
        # The availability window is the only thing edited as a form; the
        # state moves only through the actions on the delivery's page.
        return AvailabilityForm

    def get_urlpatterns(self):
        from django.urls import path

        return super().get_urlpatterns() + [
            path("bulk/", BulkView.as_view(), name="bulk"),
            path("act/<int:pk>/", act_view, name="act"),
            path("qc/<int:pk>/", qc_view, name="qc"),
            path("redeliver/<int:pk>/", redeliver_view, name="redeliver"),
            path("package/<int:pk>/", package_view, name="package"),
            path(
                "package/<int:pk>/download/",
                package_download_view,
                name="package_download",
            ),
        ]
