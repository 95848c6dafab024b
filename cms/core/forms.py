"""The admin's forms: the page forms, and the sign-in form.

The page forms hold what the server decides whatever the browser sent.

``SitePageForm`` gives a page whose title is Chinese a pinyin address
(``cms.core.slugs``). Wagtail's script fills the slug in the browser with
the title as a Unicode slug (库布其沙漠的绿色奇迹, shown percent-encoded in
every shared link); the form replaces that, or an empty slug, with the
pinyin one while the page has never been published. A slug the editor
typed is kept, and so is the slug of a page that has been published: its
address is out in the world.

``DeliverablePageForm`` takes the running time from the chosen media: a
duration left as it was or cleared is filled from the asset's measured
duration on save; one typed differently is refused with the measured value
in the reason, since the player would contradict it. Pages without media
(or whose media is not probed yet) keep the typed one.

``LoginForm`` is Wagtail's sign-in form with its password field labelled.
"""

from datetime import timedelta

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from .media_facts import format_duration_zh, measured_duration
from .slugs import is_title_slug, page_slug

#: Durations are shown to the second; within one the typed value agrees.
DURATION_TOLERANCE = timedelta(seconds=1)

DURATION_HELP = gettext_lazy(
    "选择了媒体时，时长自动取自媒体的实测时长，无需填写；"
    "没有媒体的页面请按“时:分:秒”填写，例如 0:28:30。"
)


class SitePageForm(WagtailAdminPageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self._decides_slug and "slug" in self.fields:
            # An empty slug is filled from the title in clean().
            self.fields["slug"].required = False

    @property
    def _decides_slug(self) -> bool:
        return self.instance.first_published_at is None

    def _parent(self):
        if self.instance.pk is None:
            return self.parent_page
        return self.instance.get_parent()

    def clean(self):
        if self._decides_slug and "slug" in self.fields:
            title = self.cleaned_data.get("title") or ""
            slug = self.cleaned_data.get("slug") or ""
            parent = self._parent()
            if (
                title
                and parent is not None
                and "slug" not in self.errors
                and is_title_slug(slug, title)
            ):
                self.cleaned_data["slug"] = page_slug(
                    title, parent=parent, page=self.instance
                )
        return super().clean()


class DeliverablePageForm(SitePageForm):
    """For ``DeliverablePage`` types; the duration part applies to those with
    a duration field of their own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self._duration_field in self.fields:
            help_text = DURATION_HELP
            measured = measured_duration(self.instance.chosen_media())
            if measured is not None:
                help_text = _("当前媒体的实测时长：%(measured)s。") % {
                    "measured": format_duration_zh(measured)
                } + str(DURATION_HELP)
            self.fields[self._duration_field].help_text = help_text

    @property
    def _duration_field(self) -> str | None:
        return self.instance.deliverable_kind.duration_field

    def clean(self):
        cleaned_data = super().clean()
        name = self._duration_field
        media = cleaned_data.get(self.instance.deliverable_kind.media_field)
        measured = measured_duration(media)
        if name not in self.fields or measured is None:
            return cleaned_data
        typed = cleaned_data.get(name)
        if (
            name in self.changed_data
            and typed is not None
            and abs(typed - measured) > DURATION_TOLERANCE
        ):
            self.add_error(
                name,
                _(
                    "时长取自所选媒体“%(title)s”的实测时长 %(measured)s，不能另填："
                    "请清空此项；如果时长不对，请检查或更换媒体。"
                )
                % {"title": media.title, "measured": format_duration_zh(measured)},
            )
        else:
            cleaned_data[name] = measured
        return cleaned_data


class LoginForm(WagtailLoginForm):
    """Wagtail's sign-in form with its password field labelled.

    Wagtail declares the field without a label, so Django derives "Password"
    from the field's name, which no catalogue translates.
    """

    password = forms.CharField(
        label=gettext_lazy("Password"),
        widget=forms.PasswordInput(
            attrs={"placeholder": gettext_lazy("Enter password")}
        ),
        strip=False,
    )
