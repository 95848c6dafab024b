"""Airings and slot rules in the admin: the list of the coming 14 days with
filters per channel, forms that show the schedule's refusals, and a form
that generates a rule's airings for a date range."""

import datetime as dt

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.permissions import policy_registry

from cms.broadcasters.models import Channel
from cms.programmes.models import ProgramPage

from ..forms import AiringForm, DateRangeForm, SlotRuleForm
from ..models import Airing, AiringStatus, ScheduleChannel, SlotRule
from ..services import slot_airings_generate
from ..timezones import day_bounds, format_duration, local

#: The list opens on the coming two weeks, what editors plan against.
DEFAULT_DAYS = 14


def coming_days() -> tuple[dt.date, dt.date]:
    today = local(timezone.now()).date()
    return today, today + dt.timedelta(days=DEFAULT_DAYS - 1)


class AiringFilterSet(WagtailFilterSet):
    channel = django_filters.ModelChoiceFilter(
        label=gettext_lazy("频道"),
        queryset=Channel.objects.select_related("broadcaster"),
        empty_label=gettext_lazy("全部"),
    )
    programme = django_filters.ModelChoiceFilter(
        label=gettext_lazy("节目"),
        queryset=ProgramPage.objects.all(),
        empty_label=gettext_lazy("全部"),
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("播出状态"),
        choices=AiringStatus.choices,
        empty_label=gettext_lazy("全部"),
    )
    first_day = django_filters.DateFilter(
        label=gettext_lazy("起始日期"), method="filter_days"
    )
    last_day = django_filters.DateFilter(
        label=gettext_lazy("截止日期"), method="filter_days"
    )

    class Meta:
        model = Airing
        fields = []

    def filter_days(self, queryset, name, value):
        # Both ends are applied together in filter_queryset.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        span = dt.timedelta(days=DEFAULT_DAYS - 1)
        first = self.form.cleaned_data.get("first_day")
        last = self.form.cleaned_data.get("last_day")
        if first is None and last is None:
            first, last = coming_days()
        elif first is None:
            first = last - span
        elif last is None or last < first:
            last = first + span
        return queryset.between(*day_bounds(first, last))


class LocalTimeColumn(Column):
    def get_value(self, instance):
        start, end = local(instance.start_at), local(instance.end_at)
        return f"{start:%Y-%m-%d %a %H:%M}–{end:%H:%M}"


class AiringIndexView(generic.IndexView):
    default_ordering = "start_at"
    page_title = gettext_lazy("播出表")

    def get_base_queryset(self):
        return Airing.objects.select_related(
            "channel__broadcaster", "programme", "episode"
        )

    def filter_queryset(self, queryset):
        # A date typed wrongly still shows the coming days, not everything.
        if self.filters and not self.filters.is_valid():
            return queryset.between(*day_bounds(*coming_days()))
        return super().filter_queryset(queryset)

    @cached_property
    def header_buttons(self):
        # The export opens on the channel and days being looked at.
        query = {
            key: self.request.GET[key]
            for key in ("channel", "first_day", "last_day")
            if self.request.GET.get(key)
        }
        url = reverse("schedules_listing:index")
        if query:
            url += "?" + urlencode(query)
        return super().header_buttons + [
            HeaderButton(_("导出节目单"), url=url, icon_name="download")
        ]


class RefusalsShownMixin:
    """The service checks again under a lock when saving; an airing another
    editor slotted in meanwhile is shown as a form error, not a 500."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self.form_invalid(form)


class AiringCreateView(RefusalsShownMixin, generic.CreateView):
    pass


class AiringEditView(RefusalsShownMixin, generic.EditView):
    pass


def _episode_label(airing: Airing) -> str:
    if airing.episode_id is None:
        return _("待定")
    return f"{airing.episode.title}（{airing.episode.specific.number_label}）"


class AiringViewSet(ModelViewSet):
    model = Airing
    icon = "date"
    menu_label = gettext_lazy("播出表")
    name = "schedules_airings"
    url_prefix = "schedules/airings"
    copy_view_enabled = False
    add_to_reference_index = False
    index_view_class = AiringIndexView
    add_view_class = AiringCreateView
    edit_view_class = AiringEditView
    filterset_class = AiringFilterSet
    list_per_page = 100
    search_fields = ["programme__title", "episode__title", "house_number"]
    list_display = [
        TitleColumn(
            "start_at",
            label=gettext_lazy("时间（北京时间）"),
            accessor=lambda a: LocalTimeColumn("t").get_value(a),
            url_name="schedules_airings:edit",
            sort_key="start_at",
        ),
        Column("channel", label=gettext_lazy("频道"), sort_key="channel__name"),
        Column("programme", label=gettext_lazy("节目"), accessor="programme.title"),
        Column("episode", label=gettext_lazy("单集"), accessor=_episode_label),
        Column(
            "duration",
            label=gettext_lazy("时长"),
            accessor=lambda a: format_duration(a.duration),
        ),
        Column("kind", label=gettext_lazy("首播或重播"), accessor="get_kind_display"),
        Column("status", label=gettext_lazy("播出状态"), accessor="get_status_display"),
        Column("difference", label=gettext_lazy("偏差"), accessor="difference_label"),
    ]

    def get_form_class(self, for_update=False):
        return AiringForm


class SlotRuleIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        return super().get_list_more_buttons(instance) + [
            MenuItem(
                _("生成播出"),
                url=reverse("schedules_rules:generate", args=[instance.pk]),
                icon_name="date",
                priority=15,
            )
        ]


class SlotRuleViewSet(ModelViewSet):
    model = SlotRule
    icon = "time"
    menu_label = gettext_lazy("时段规则")
    name = "schedules_rules"
    url_prefix = "schedules/rules"
    copy_view_enabled = False
    add_to_reference_index = False
    list_filter = ["channel", "kind"]
    index_view_class = SlotRuleIndexView
    list_display = [
        TitleColumn(
            "programme",
            label=gettext_lazy("节目"),
            accessor="programme.title",
            url_name="schedules_rules:edit",
        ),
        Column("channel", label=gettext_lazy("频道")),
        Column("weekday", label=gettext_lazy("星期"), accessor="get_weekday_display"),
        Column("local_time", label=gettext_lazy("开始时间")),
        Column(
            "duration",
            label=gettext_lazy("时段长度"),
            accessor=lambda r: format_duration(r.duration),
        ),
        Column("kind", label=gettext_lazy("首播或重播"), accessor="get_kind_display"),
        Column("valid_from", label=gettext_lazy("生效日期")),
        Column("valid_until", label=gettext_lazy("截止日期")),
    ]

    def get_form_class(self, for_update=False):
        return SlotRuleForm

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("<int:pk>/generate/", GenerateAiringsView.as_view(), name="generate"),
        ]


class GenerateAiringsView(WagtailAdminTemplateMixin, FormView):
    """Generate a slot rule's airings for a date range, reporting refusals."""

    template_name = "schedules/admin/generate.html"
    form_class = DateRangeForm
    page_title = gettext_lazy("按时段规则生成播出")
    header_icon = "date"

    def dispatch(self, request, *args, **kwargs):
        policy = policy_registry.get_by_type(Airing)
        if not policy.user_has_permission(request.user, "add"):
            raise PermissionDenied
        self.rule = get_object_or_404(SlotRule, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        first, last = coming_days()
        return {"first_day": first, "last_day": last + dt.timedelta(days=14)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(rule=self.rule, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("schedules_rules:index"), "label": _("时段规则")},
            {"url": "", "label": self.page_title},
        ]

    def form_valid(self, form):
        result = slot_airings_generate(
            rule=self.rule,
            first_day=form.cleaned_data["first_day"],
            last_day=form.cleaned_data["last_day"],
        )
        messages.success(
            self.request,
            _("已生成 %(created)s 次播出，%(existing)s 次已存在。")
            % {"created": len(result.created), "existing": len(result.existing)},
        )
        for day, reasons in result.refused:
            messages.warning(
                self.request,
                _("%(day)s 未生成：%(reasons)s")
                % {"day": f"{day:%Y-%m-%d}", "reasons": "".join(reasons)},
            )
        return redirect("schedules_airings:index")


class ScheduleChannelViewSet(ModelViewSet):
    model = ScheduleChannel
    icon = "site"
    menu_label = gettext_lazy("排播频道")
    name = "schedules_channels"
    url_prefix = "schedules/channels"
    copy_view_enabled = False
    add_to_reference_index = False
    form_fields = ["channel", "slug"]
    list_display = [
        TitleColumn(
            "channel", label=gettext_lazy("频道"), url_name="schedules_channels:edit"
        ),
        Column("slug", label=gettext_lazy("网址标识")),
    ]
