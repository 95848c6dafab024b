from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet

from ..models import MediaAsset
from ..permissions import permission_policy


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


class ChooseView(ChoosableMixin, chooser_views.ChooseView):
    def get_object_list(self):
        return self.choosable()


class ChooseResultsView(ChoosableMixin, chooser_views.ChooseResultsView):
    def get_object_list(self):
        return self.choosable()


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
