"""The media library in the Wagtail admin: listing with live progress, detail
with renditions, player, jobs and subtitles, upload page, job actions,
subtitle upload and removal."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import FormView, TemplateView
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet

from search_engine.admin import EngineSearchMixin

from ..admin_ui import YesNoColumn
from ..forms import MediaAssetForm, SubtitleTrackForm
from ..info import asset_info
from ..models import (
    AssetStatus,
    ChunkPart,
    ChunkStatus,
    MediaAsset,
    SubtitleTrack,
    TranscodeJob,
    TranscodeProfile,
)
from ..permissions import permission_policy
from ..player import player_context
from ..services.assets import asset_delete, asset_uses, asset_uses_reason
from ..services.jobs import job_cancel, job_rerun
from ..services.subtitles import subtitle_track_add, subtitle_track_delete
from ..stills import prefetch_stills
from ..subtitles import SubtitleError
from .admin_permissions import ObjectPermissionMixin, object_checked
from .columns import DurationColumn, ThumbnailColumn
from .in_use import InUseDeleteMixin

ACTIVE_STATUSES = (AssetStatus.UPLOADED, AssetStatus.PROCESSING)
PROGRESS_IDS_LIMIT = 100


class ProgressColumn(Column):
    cell_template_name = "media_pipeline/admin/progress_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["job"] = current_job(instance)
        return context


def _newest_jobs():
    return TranscodeJob.objects.select_related("profile").order_by("-created_at")


def prefetch_current_job() -> Prefetch:
    """Each listed asset's newest job in one query for the whole page (a
    sliced prefetch), read by ``current_job``: without it the progress column
    made a query per row."""
    return Prefetch("jobs", queryset=_newest_jobs()[:1], to_attr="newest_jobs")


def current_job(asset: MediaAsset) -> TranscodeJob | None:
    if hasattr(asset, "newest_jobs"):
        return asset.newest_jobs[0] if asset.newest_jobs else None
    return _newest_jobs().filter(asset=asset).first()


def progress_payload(asset: MediaAsset) -> dict:
    job = current_job(asset)
    return {
        "id": asset.pk,
        "status": asset.status,
        "status_label": asset.get_status_display(),
        "phase_label": job.get_phase_display() if job else "",
        "progress": job.progress if job else 0,
        "eta_seconds": job.eta_seconds if job else None,
        "failure_reason": asset.failure_reason,
    }


class MediaAssetIndexView(EngineSearchMixin, generic.IndexView):
    def get_base_queryset(self):
        return (
            permission_policy.instances_user_has_any_permission_for(
                self.request.user, ["choose", "change", "delete"]
            )
            .select_related("collection", "published_job")
            .prefetch_related(prefetch_stills(), prefetch_current_job())
        )


def jobs_with_parts(asset: MediaAsset) -> list[TranscodeJob]:
    """The asset's jobs, newest first, each with ``run_parts``: the parts of
    its current run when it is (or was) chunked, for the chunk progress."""
    jobs = list(
        asset.jobs.select_related("profile")
        .prefetch_related("chunks")
        .order_by("-created_at")
    )
    for job in jobs:
        job.run_parts = [c for c in job.chunks.all() if c.run_token == job.run_token]
        job.video_parts = [c for c in job.run_parts if c.part == ChunkPart.VIDEO]
        job.video_parts_done = sum(
            1 for c in job.video_parts if c.status == ChunkStatus.SUCCEEDED
        )
    return jobs


class MediaAssetDetailView(generic.InspectView):
    template_name = "media_pipeline/admin/detail.html"

    def get_object(self, queryset=None):
        asset = get_object_or_404(MediaAsset, pk=self.pk)
        if not permission_policy.user_has_any_permission_for_instance(
            self.request.user, ["choose", "change", "delete"], asset
        ):
            raise PermissionDenied
        return asset

    def get_fields(self):
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asset = self.object
        context.update(
            asset=asset,
            info=asset_info(asset),
            jobs=jobs_with_parts(asset),
            can_manage_jobs=permission_policy.user_has_permission_for_instance(
                self.request.user, "change", asset
            ),
            player=player_context(asset),
            subtitle_tracks=asset.subtitle_tracks.in_order(),
            progress=progress_payload(asset),
            progress_url=reverse("media:progress"),
            is_active=asset.status in ACTIVE_STATUSES,
        )
        return context


class MediaAssetEditView(ObjectPermissionMixin, generic.EditView):
    object_permissions = ["change"]


class MediaAssetDeleteView(ObjectPermissionMixin, InUseDeleteMixin, generic.DeleteView):
    """Delete with the delete permission on the asset's collection, and only
    while nothing uses the asset: a page would silently lose its player, a
    delivery or a brand version its file. Where it is used is shown, with a
    link to the usage view."""

    object_permissions = ["delete"]
    success_message = gettext_lazy("已删除媒体“%(object)s”。")

    def find_uses(self):
        return asset_uses(self.object)

    def uses_reason(self, uses):
        return asset_uses_reason(uses)

    def delete_object(self):
        asset_delete(asset=self.object)

    def get_success_message(self):
        return self.success_message % {"object": self.object}


def add_redirect_view(request):
    """Assets come by upload (the file is the asset): "new" leads there."""
    if not permission_policy.user_has_permission(request.user, "add"):
        raise PermissionDenied
    return redirect("media:upload")


class UploadView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "media_pipeline/admin/upload.html"
    page_title = gettext_lazy("上传媒体")
    header_icon = "media"

    def dispatch(self, request, *args, **kwargs):
        if not permission_policy.user_has_permission(request.user, "add"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("media:index"), "label": _("媒体库")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["collections"] = permission_policy.collections_user_has_permission_for(
            self.request.user, "add"
        )
        context["endpoint"] = reverse("tus:create")
        context["detail_url_template"] = reverse("media:inspect", args=(0,))
        return context


@require_GET
def progress_view(request):
    ids = [int(i) for i in request.GET.getlist("id") if i.isdigit()][
        :PROGRESS_IDS_LIMIT
    ]
    assets = (
        permission_policy.instances_user_has_any_permission_for(
            request.user, ["choose", "change", "delete"]
        )
        .filter(pk__in=ids)
        .prefetch_related(prefetch_current_job())
    )
    return JsonResponse({"assets": [progress_payload(a) for a in assets]})


def _job_for_change(request, job_id: int) -> TranscodeJob:
    job = get_object_or_404(TranscodeJob.objects.select_related("asset"), pk=job_id)
    if not permission_policy.user_has_permission_for_instance(
        request.user, "change", job.asset
    ):
        raise PermissionDenied
    return job


@require_POST
def job_cancel_view(request, job_id: int):
    job = _job_for_change(request, job_id)
    if job_cancel(job=job):
        messages.success(request, _("已取消转码任务。"))
    else:
        messages.warning(request, _("该任务已经结束，无需取消。"))
    return redirect("media:inspect", job.asset_id)


@require_POST
def job_rerun_view(request, job_id: int):
    job = _job_for_change(request, job_id)
    if job.is_active:
        messages.warning(request, _("该任务正在进行，不能重新运行。"))
    else:
        job_rerun(job=job)
        messages.success(request, _("已重新排队转码。"))
    return redirect("media:inspect", job.asset_id)


def _asset_for_change(request, pk: int) -> MediaAsset:
    asset = get_object_or_404(MediaAsset, pk=pk)
    if not permission_policy.user_has_permission_for_instance(
        request.user, "change", asset
    ):
        raise PermissionDenied
    return asset


class SubtitleUploadView(WagtailAdminTemplateMixin, FormView):
    """Add a subtitle track to an asset, or replace the one of its language."""

    template_name = "media_pipeline/admin/subtitle_upload.html"
    form_class = SubtitleTrackForm
    page_title = gettext_lazy("上传字幕")
    header_icon = "media"

    def dispatch(self, request, *args, **kwargs):
        self.asset = _asset_for_change(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.asset.title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("media:index"), "label": _("媒体库")},
            {"url": self.asset.get_admin_url(), "label": self.asset.title},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            asset=self.asset,
            action_url=reverse("media:subtitle_add", args=(self.asset.pk,)),
            back_url=self.asset.get_admin_url(),
        )
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            track = subtitle_track_add(
                asset=self.asset,
                source=upload,
                filename=upload.name,
                language=form.cleaned_data["language"],
                kind=form.cleaned_data["kind"],
                label=form.cleaned_data["label"],
                uploaded_by=self.request.user,
            )
        except SubtitleError as error:
            form.add_error("file", error.reason)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("已保存字幕“%(label)s”（%(count)s 条）。")
            % {"label": track.label, "count": track.cue_count},
        )
        return redirect(self.asset.get_admin_url())


@require_POST
def subtitle_delete_view(request, pk: int, track_id: int):
    asset = _asset_for_change(request, pk)
    track = get_object_or_404(SubtitleTrack, pk=track_id, asset=asset)
    subtitle_track_delete(track=track)
    messages.success(request, _("已删除字幕“%(label)s”。") % {"label": track.label})
    return redirect(asset.get_admin_url())


class MediaAssetViewSet(ModelViewSet):
    model = MediaAsset
    icon = "media"
    menu_label = gettext_lazy("媒体库")
    menu_order = 250
    add_to_admin_menu = True
    url_prefix = "media"
    name = "media"
    index_view_class = MediaAssetIndexView
    inspect_view_class = MediaAssetDetailView
    edit_view_class = MediaAssetEditView
    delete_view_class = MediaAssetDeleteView
    history_view_class = object_checked(generic.HistoryView, "change", "delete")
    usage_view_class = object_checked(generic.UsageView, "change", "delete")
    inspect_view_enabled = True
    copy_view_enabled = False
    form_class = MediaAssetForm
    list_filter = ["status", "kind", "collection"]
    list_display = [
        ThumbnailColumn(),
        TitleColumn(
            "title",
            label=gettext_lazy("标题"),
            url_name="media:inspect",
        ),
        Column("kind", label=gettext_lazy("类型"), accessor="get_kind_display"),
        DurationColumn(),
        ProgressColumn("status", label=gettext_lazy("状态")),
        Column("collection", label=gettext_lazy("收藏集")),
        DateColumn("created_at", label=gettext_lazy("上传时间")),
    ]

    def get_form_class(self, for_update=False):
        return self.form_class

    @property
    def add_view(self):
        return add_redirect_view

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            add_url_name=self.get_url_name("upload"), **kwargs
        )

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("upload/", UploadView.as_view(), name="upload"),
            path("progress/", progress_view, name="progress"),
            path("jobs/<int:job_id>/cancel/", job_cancel_view, name="job_cancel"),
            path("jobs/<int:job_id>/rerun/", job_rerun_view, name="job_rerun"),
            path(
                "<int:pk>/subtitles/add/",
                SubtitleUploadView.as_view(),
                name="subtitle_add",
            ),
            path(
                "<int:pk>/subtitles/<int:track_id>/delete/",
                subtitle_delete_view,
                name="subtitle_delete",
            ),
        ]


# The keys of a ladder rung, as TranscodeProfile.ladder stores them.
LADDER_KEYS = ("height", "video_kbps", "max_fps")


class TranscodeProfileViewSet(ModelViewSet):
    model = TranscodeProfile
    icon = "cogs"
    menu_label = gettext_lazy("转码方案")
    add_to_settings_menu = True
    url_prefix = "media-profiles"
    name = "media_profiles"
    list_display = [
        "name",
        "loudness_standard",
        "loudness_target",
        YesNoColumn(
            "is_default",
            label=TranscodeProfile._meta.get_field("is_default").verbose_name,
        ),
    ]
    form_fields = [
        "name",
        "slug",
        "description",
        "is_default",
        "ladder",
        "h264_profile",
        "h264_level",
        "x264_preset",
        "segment_seconds",
        "keyframe_seconds",
        "audio_kbps",
        "audio_sample_rate",
        "download_height",
        "loudness_standard",
        "loudness_target",
        "true_peak_limit",
        "loudness_range_target",
    ]

    def formfield_for_dbfield(self, db_field, **kwargs):
        field = super().formfield_for_dbfield(db_field, **kwargs)
        if db_field.name == "ladder":
            # The keys are typed as they are: shown as code, not as words.
            field.help_text = format_html(
                _("每档：{} 高度、{} 视频码率、{} 最高帧率"),
                *(format_html("<code>{}</code>", key) for key in LADDER_KEYS),
            )
        return field
