"""``asset_ingest``: a local file into the library, processed here (wait) or
queued on the transcode queue after commit."""

from pathlib import Path
from unittest import mock

import pytest
from wagtail.models import Collection

from media_pipeline.errors import DuplicateMediaError, MediaError
from media_pipeline.models import AssetStatus, JobStatus, MediaAsset, TranscodeJob
from media_pipeline.services.ingest import asset_ingest
from media_pipeline.tasks import transcode_job

from .media import make_audio, make_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_wait_runs_the_job_in_this_process(media_root, tmp_path):
    source = make_audio(tmp_path / "song.wav", seconds=2)
    collection = Collection.get_first_root_node().add_child(name="音乐")
    with mock.patch.object(transcode_job, "apply_async") as queued:
        asset = asset_ingest(
            path=source, title="测试歌曲", collection=collection, wait=True
        )
    assert not queued.called
    assert asset.status == AssetStatus.READY
    assert (asset.title, asset.collection, asset.original_filename) == (
        "测试歌曲",
        collection,
        "song.wav",
    )
    job = asset.jobs.get()
    assert job.status == JobStatus.SUCCEEDED and job.worker == "asset_ingest"
    assert asset.renditions.exists()
    # The file is copied, not moved.
    with asset.original.open("rb") as stored:
        assert stored.read() == source.read_bytes()
    assert source.exists()


def test_without_wait_the_job_is_queued_on_commit(
    media_root, tmp_path, django_capture_on_commit_callbacks
):
    source = make_video(tmp_path / "clip.mp4", width=320, height=240, seconds=1)
    with mock.patch.object(transcode_job, "apply_async") as queued:
        queued.return_value.id = "task-1"
        with django_capture_on_commit_callbacks(execute=True):
            asset = asset_ingest(path=source, wait=False)
            # Nothing is sent, nor runs, before the transaction commits.
            assert not queued.called
            assert not TranscodeJob.objects.exists()
    job = TranscodeJob.objects.get(asset=asset)
    queued.assert_called_once_with(args=(job.pk,), queue="transcode")
    assert job.status == JobStatus.QUEUED and job.celery_task_id == "task-1"
    asset.refresh_from_db()
    assert asset.title == "clip" and asset.status == AssetStatus.PROCESSING
    assert not asset.renditions.exists()


@pytest.mark.parametrize("wait", [True, False])
def test_no_file_is_refused_with_its_reason_and_nothing_stored(
    media_root, tmp_path, wait
):
    for path in (tmp_path / "missing.mp4", tmp_path):
        with pytest.raises(MediaError) as refused:
            asset_ingest(path=path, wait=wait)
        assert refused.value.reason == f"找不到文件：{path}"
    assert not MediaAsset.objects.exists()
    assert not TranscodeJob.objects.exists()
    assert stored_files(media_root) == []


def test_the_same_bytes_again_are_refused_and_nothing_more_stored(media_root, tmp_path):
    source = make_audio(tmp_path / "a.wav", seconds=1)
    first = asset_ingest(path=source, wait=True)
    files = stored_files(media_root)
    copy = tmp_path / "copy.wav"
    copy.write_bytes(source.read_bytes())
    with pytest.raises(DuplicateMediaError) as refused:
        asset_ingest(path=copy, title="又一次", wait=True)
    assert "已有相同的文件" in refused.value.reason
    assert str(first.pk) in refused.value.reason
    assert refused.value.existing == first
    assert list(MediaAsset.objects.all()) == [first]
    assert TranscodeJob.objects.count() == 1
    assert stored_files(media_root) == files


def test_a_file_that_is_not_media_fails_with_its_reason(media_root, tmp_path):
    """Stored (the producer can look at the original) and failed, as the
    pipeline refuses it: the asset says why."""
    path = tmp_path / "notes.mp4"
    path.write_text("这不是视频。" * 50)
    asset = asset_ingest(path=path, wait=True)
    assert asset.status == AssetStatus.FAILED
    assert "无法识别" in asset.failure_reason
    assert asset.jobs.get().status == JobStatus.FAILED
    assert not asset.renditions.exists()
