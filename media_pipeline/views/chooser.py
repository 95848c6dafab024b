from django import forms
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import (
    BaseFilterForm,
    CollectionFilterMixin,
    SearchFilterMixin,
)
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet

from ..models import AssetStatus, MediaAsset
from ..permissions import permission_policy
from ..stills import prefetch_stills
from .columns import DurationColumn, StatusColumn, ThumbnailColumn


class StatusFilterMixin(forms.Form):
    """Narrow the chooser to assets of one status (可用, 处理中 …)."""

    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部状态")), *AssetStatus.choices],
        required=False,
        widget=forms.Select(attrs={"data-chooser-modal-search-filter": True}),
    )

    def filter(self, objects):
        status = self.cleaned_data.get("status")
        if status:
            objects = objects.filter(status=status)
        return super().filter(objects)


class MediaChooserFilterForm(
    StatusFilterMixin, CollectionFilterMixin, SearchFilterMixin, BaseFilterForm
):
    pass


class ChoosableMixin:
    """As Wagtail's image chooser: only what the user may choose, in the
    collections where they may choose it; nothing for whoever may choose
    nothing. Assets are never created here (they come by upload)."""

    def dispatch(self, request, *args, **kwargs):
        if not permission_policy.user_has_permission(request.user, "choose"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def choosable(self):
        return permission_policy.instances_user_has_any_permission_for(
            self.request.user, ["choose"]
        )

    def can_create(self):
        return False


class ChooseListingMixin:
    """What an editor picks by: thumbnail, duration, status and collection,
    filtered by status and collection, as Wagtail's document chooser lists
    and filters its documents."""

    filter_form_class = MediaChooserFilterForm

    def get_object_list(self):
        return (
            self.choosable()
            .select_related("collection", "published_job")
            .prefetch_related(prefetch_stills())
        )

    @cached_property
    def collections(self):
        collections = permission_policy.collections_user_has_permission_for(
            self.request.user, "choose"
        )
        # One collection is no choice (as in Wagtail's choosers).
        return collections if len(collections) > 1 else None

    def get_filter_form(self):
        return self.get_filter_form_class()(
            self.request.GET, collections=self.collections
        )

    @property
    def columns(self):
        title, *rest = super().columns
        return [
            ThumbnailColumn(),
            title,
            DurationColumn(),
            StatusColumn(),
            Column("collection", label=_("收藏集")),
            *rest,
        ]


class ChooseView(ChooseListingMixin, ChoosableMixin, chooser_views.ChooseView):
    pass


class ChooseResultsView(
    ChooseListingMixin, ChoosableMixin, chooser_views.ChooseResultsView
):
    pass


class ChosenView(ChoosableMixin, chooser_views.ChosenView):
    def get_object(self, pk):
        if not str(pk).isdigit():
            raise MediaAsset.DoesNotExist
        asset = MediaAsset.objects.get(pk=pk)
        if not permission_policy.user_has_permission_for_instance(
            self.request.user, "choose", asset
        ):
            raise ObjectDoesNotExist
        return asset


class ChosenMultipleView(ChoosableMixin, chooser_views.ChosenMultipleView):
    def get_objects(self, pks):
        return self.choosable().filter(pk__in=[pk for pk in pks if pk.isdigit()])


class CreateView(ChoosableMixin, chooser_views.CreateView):
    pass


class MediaAssetChooserViewSet(ChooserViewSet):
    """The chooser editors use on episode, video and music pages."""

    model = MediaAsset
    icon = "media"
    choose_one_text = _("选择媒体")
    choose_another_text = _("更换媒体")
    edit_item_text = _("查看媒体")
    per_page = 20
    url_filter_parameters = ["kind"]
    preserve_url_parameters = ["multiple", "kind"]
    create_action_label = None
    choose_view_class = ChooseView
    choose_results_view_class = ChooseResultsView
    chosen_view_class = ChosenView
    chosen_multiple_view_class = ChosenMultipleView
    create_view_class = CreateView


media_chooser_viewset = MediaAssetChooserViewSet("media_chooser")
