from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.chooser import ChooserViewSet

from ..models import MediaAsset


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


media_chooser_viewset = MediaAssetChooserViewSet("media_chooser")
