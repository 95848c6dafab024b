"""Admin forms of the media library."""

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.models import Collection

from .models import MediaAsset, SubtitleKind, SubtitleLanguage
from .permissions import permission_policy
from .subtitles import max_bytes


class SubtitleTrackForm(forms.Form):
    """Upload of one subtitle track. The file is checked by the service
    (``services.subtitles``), whose reason becomes the field's error."""

    file = forms.FileField(
        label=_("字幕文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".vtt,.srt"}),
    )
    language = forms.ChoiceField(
        label=_("语言"),
        choices=SubtitleLanguage.choices,
        initial=SubtitleLanguage.ZH_HANS,
    )
    kind = forms.ChoiceField(
        label=_("类型"), choices=SubtitleKind.choices, initial=SubtitleKind.SUBTITLES
    )
    label = forms.CharField(
        label=_("名称"),
        max_length=100,
        required=False,
        help_text=_("播放器字幕菜单里显示的名称；留空则用语言名，如“简体中文”。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "WebVTT（.vtt）或 SRT（.srt），UTF-8 编码，不超过 %(size)s KB；"
            "SRT 会自动转换为 WebVTT。同一语言和类型再次上传会替换原字幕。"
        ) % {"size": max_bytes() // 1024}


def collections_for_form(user, policy, instance) -> "QuerySet[Collection]":
    """The collections a form offers: those the user may add to, and the
    object's own (keeping it where it is moves nothing). Moving an object
    elsewhere is adding it there, so it needs the add permission there."""
    allowed = policy.collections_user_has_permission_for(user, "add")
    own = instance.collection_id if instance.pk else None
    return Collection.objects.filter(Q(pk__in=allowed.values("pk")) | Q(pk=own))


class MediaAssetForm(WagtailAdminModelForm):
    """Title, collection and tags of an asset; the file comes by upload."""

    class Meta:
        model = MediaAsset
        fields = ["title", "collection", "tags"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None and "collection" in self.fields:
            self.fields["collection"].queryset = collections_for_form(
                self.for_user, permission_policy, self.instance
            )
