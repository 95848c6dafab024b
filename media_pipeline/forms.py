"""Admin forms of the media library."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SubtitleKind, SubtitleLanguage
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
