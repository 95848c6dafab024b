"""The 户外屏幕 menu: networks, screen sizes, screens, playlists (with their
ordered items inline, a page of their files per screen size with the
button that makes them, and the zip download) and the play records."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.generic import FormView, TemplateView
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.permissions import policy_registry

from cms.schedules.asrun import MAX_FILE_BYTES

from .models import (
    Playlist,
    PlayRecord,
    RenditionStatus,
    Screen,
    ScreenNetwork,
    ScreenRendition,
    ScreenSize,
)
from .proof_of_play import play_log_import
from .services import PlaylistNotReady, playlist_renditions_request
from .serving import package_response


def _may(user, action: str) -> bool:
    return policy_registry.get_by_type(Playlist).user_has_permission(user, action)


class InUseDeleteView(generic.DeleteView):
    """Refuses in Chinese to delete what a screen or playlist still needs.

    The screens' foreign keys are PROTECT, but these models stay out of
    Wagtail's reference index, so its own check does not see the rows that
    use the object and the database's refusal would end in a 500.
    """

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ProtectedError as error:
            users = sorted(str(row) for row in error.protected_objects)
            messages.error(
                self.request,
                _("无法删除%(model)s“%(object)s”：%(users)s 仍在使用它。")
                % {
                    "model": self.object._meta.verbose_name,
                    "object": self.object,
                    "users": "、".join(users[:5]) + ("等" if len(users) > 5 else ""),
                },
            )
            return redirect(self.get_delete_url())


class ScreenNetworkViewSet(ModelViewSet):
    delete_view_class = InUseDeleteView
    model = ScreenNetwork
    icon = "site"
    menu_label = gettext_lazy("屏幕网络")
    name = "screens_networks"
    url_prefix = "screens/networks"
    copy_view_enabled = False
    add_to_reference_index = False
    form_fields = ["name", "slug", "kind", "operator", "description"]
    list_display = [
        TitleColumn(
            "name", label=gettext_lazy("名称"), url_name="screens_networks:edit"
        ),
        Column("kind", label=gettext_lazy("类别"), accessor="get_kind_display"),
        Column("slug", label=gettext_lazy("网址标识")),
        Column("operator", label=gettext_lazy("运营方")),
    ]


class ScreenSizeViewSet(ModelViewSet):
    delete_view_class = InUseDeleteView
    model = ScreenSize
    icon = "desktop"
    menu_label = gettext_lazy("屏幕尺寸")
    name = "screens_sizes"
    url_prefix = "screens/sizes"
    copy_view_enabled = False
    add_to_reference_index = False
    list_filter = ["network"]
    form_fields = [
        "network",
        "name",
        "width",
        "height",
        "has_sound",
        "fit",
        "frame_rate",
    ]
    list_display = [
        TitleColumn("name", label=gettext_lazy("名称"), url_name="screens_sizes:edit"),
        Column("network", label=gettext_lazy("屏幕网络")),
        Column(
            "pixels",
            label=gettext_lazy("像素"),
            accessor=lambda s: f"{s.width}×{s.height}",
        ),
        Column("orientation", label=gettext_lazy("方向")),
        Column(
            "has_sound",
            label=gettext_lazy("声音"),
            accessor=lambda s: _("有声") if s.has_sound else _("无声"),
        ),
        Column("fit", label=gettext_lazy("画面适配"), accessor="get_fit_display"),
        Column("frame_rate", label=gettext_lazy("帧率")),
    ]


class ScreenViewSet(ModelViewSet):
    delete_view_class = InUseDeleteView
    model = Screen
    icon = "tablet-alt"
    menu_label = gettext_lazy("屏幕")
    name = "screens_screens"
    url_prefix = "screens/screens"
    copy_view_enabled = False
    add_to_reference_index = False
    list_filter = ["network"]
    form_fields = ["network", "name", "size", "opens_at", "closes_at"]
    list_display = [
        TitleColumn(
            "name", label=gettext_lazy("编号或位置"), url_name="screens_screens:edit"
        ),
        Column("network", label=gettext_lazy("屏幕网络")),
        Column("size", label=gettext_lazy("屏幕尺寸")),
        Column(
            "hours",
            label=gettext_lazy("开屏时段"),
            accessor=lambda s: f"{s.opens_at:%H:%M}–{s.closes_at:%H:%M}",
        ),
    ]


class PlaylistEditView(generic.EditView):
    @cached_property
    def header_buttons(self):
        return super().header_buttons + [
            HeaderButton(
                _("屏幕文件与播放包"),
                url=reverse("screens_playlists:files", args=[self.object.pk]),
                icon_name="media",
            )
        ]


class PlaylistIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        return super().get_list_more_buttons(instance) + [
            MenuItem(
                _("屏幕文件与播放包"),
                url=reverse("screens_playlists:files", args=[instance.pk]),
                icon_name="media",
                priority=15,
            )
        ]


class PlaylistViewSet(ModelViewSet):
    model = Playlist
    icon = "list-ol"
    menu_label = gettext_lazy("播放列表")
    name = "screens_playlists"
    url_prefix = "screens/playlists"
    copy_view_enabled = False
    add_to_reference_index = False
    list_filter = ["network"]
    index_view_class = PlaylistIndexView
    edit_view_class = PlaylistEditView
    panels = [
        FieldPanel("network"),
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_until")]),
        InlinePanel(
            "items",
            label=gettext_lazy("播放条目（按顺序循环播放）"),
            panels=[
                FieldPanel("media_asset"),
                FieldPanel("brand_variant"),
                FieldPanel("image"),
                FieldPanel("slide_seconds"),
            ],
        ),
    ]
    list_display = [
        TitleColumn(
            "name", label=gettext_lazy("名称"), url_name="screens_playlists:edit"
        ),
        Column("network", label=gettext_lazy("屏幕网络")),
        Column("valid_from", label=gettext_lazy("生效日期")),
        Column("valid_until", label=gettext_lazy("截止日期")),
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("<int:pk>/files/", PlaylistFilesView.as_view(), name="files"),
            path("<int:pk>/package/", playlist_package_download, name="package"),
        ]


class PlaylistFilesView(WagtailAdminTemplateMixin, TemplateView):
    """Each item's file per screen size with its facts; POST makes the
    missing and outdated ones on the transcode queue."""

    template_name = "screens/admin/playlist_files.html"
    page_title = gettext_lazy("屏幕文件与播放包")
    header_icon = "media"

    def dispatch(self, request, *args, **kwargs):
        if not _may(request.user, "view"):
            raise PermissionDenied
        self.playlist = get_object_or_404(
            Playlist.objects.select_related("network"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("screens_playlists:index"), "label": _("播放列表")},
            {
                "url": reverse("screens_playlists:edit", args=[self.playlist.pk]),
                "label": str(self.playlist),
            },
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        renditions = (
            ScreenRendition.objects.filter(item__playlist=self.playlist)
            .select_related("item__media_asset", "item__image", "size")
            .select_related("item__brand_variant__version__asset")
            .order_by("size__width", "size__height", "item__sort_order")
        )
        return super().get_context_data(
            playlist=self.playlist,
            renditions=renditions,
            all_ready=renditions.exists()
            and not renditions.exclude(status=RenditionStatus.READY).exists(),
            may_make=_may(self.request.user, "change"),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not _may(request.user, "change"):
            raise PermissionDenied
        renditions = playlist_renditions_request(playlist=self.playlist)
        waiting = sum(1 for r in renditions if r.status == RenditionStatus.PENDING)
        if not renditions:
            messages.warning(request, _("播放列表没有条目，或屏幕网络还没有屏幕尺寸。"))
        else:
            messages.success(
                request,
                _("已安排生成 %(n)s 个屏幕文件，其余 %(kept)s 个已是最新。")
                % {"n": waiting, "kept": len(renditions) - waiting},
            )
        return redirect("screens_playlists:files", pk=self.playlist.pk)


@require_GET
def playlist_package_download(request, pk: int):
    """The playlist's zip, for those who may see the playlist."""
    if not _may(request.user, "view"):
        raise PermissionDenied
    playlist = get_object_or_404(Playlist.objects.select_related("network"), pk=pk)
    try:
        return package_response(request, playlist)
    except PlaylistNotReady as error:
        messages.error(request, error.reason)
        return redirect("screens_playlists:files", pk=pk)


def _may_resolve_plays(user) -> bool:
    return policy_registry.get_by_type(PlayRecord).user_has_permission(user, "change")


class PlayLogUploadForm(forms.Form):
    network = forms.ModelChoiceField(
        label=gettext_lazy("屏幕网络"), queryset=ScreenNetwork.objects.all()
    )
    file = forms.FileField(
        label=gettext_lazy("播放记录文件"),
        help_text=gettext_lazy(
            "与播出记录相同的格式：CSV（UTF-8 或 GB18030）或 Excel（.xlsx）；表头：频道"
            "（填屏幕编号或位置）、实际开始、实际结束、节目名称。时间为北京时间。"
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(_("文件超过 5 MB，请按天或按周拆分后再导入。"))
        return upload


class PlayLogUploadView(WagtailAdminTemplateMixin, FormView):
    """An operator's play log through the as-run import's reader."""

    template_name = "screens/admin/play_log_upload.html"
    form_class = PlayLogUploadForm
    page_title = gettext_lazy("导入播放记录")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not _may_resolve_plays(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("screens_plays:index"), "label": _("播放记录")},
            {"url": "", "label": self.page_title},
        ]

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            outcome = play_log_import(
                network=form.cleaned_data["network"].slug,
                file_name=upload.name,
                content=upload.read(),
                user=self.request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("file", message)
            return self.form_invalid(form)
        messages.success(self.request, outcome.summary)
        for line in outcome.details[:20]:
            messages.warning(self.request, line)
        return redirect("screens_plays:index")


class PlayRecordIndexView(generic.IndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if _may_resolve_plays(self.request.user):
            buttons = buttons + [
                HeaderButton(
                    _("导入播放记录"),
                    url=reverse("screens_plays:upload"),
                    icon_name="upload",
                )
            ]
        return buttons


class PlayRecordViewSet(ModelViewSet):
    model = PlayRecord
    icon = "tick-inverse"
    menu_label = gettext_lazy("播放记录")
    name = "screens_plays"
    url_prefix = "screens/plays"
    copy_view_enabled = False
    add_to_reference_index = False
    list_filter = ["network"]
    index_view_class = PlayRecordIndexView
    form_fields = ["item"]
    list_display = [
        Column("started_at", label=gettext_lazy("开始")),
        Column("network", label=gettext_lazy("屏幕网络")),
        Column("screen_name", label=gettext_lazy("屏幕")),
        Column("title", label=gettext_lazy("节目名称")),
        Column("item", label=gettext_lazy("对应条目")),
        Column("log_name", label=gettext_lazy("记录文件")),
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("upload/", PlayLogUploadView.as_view(), name="upload"),
        ]
