"""Bringing a local file into the media library: the one way the ``ingest``
command and the demo loaders create an asset and have it processed."""

from pathlib import Path

from django.utils.translation import gettext as _
from wagtail.models import Collection

from ..errors import MediaError
from ..models import MediaAsset
from ..pipeline import job_run
from .assets import asset_create_from_upload
from .jobs import job_request


def asset_ingest(
    *,
    path: Path | str,
    title: str = "",
    collection: Collection | None = None,
    uploaded_by=None,
    wait: bool,
    worker: str = "asset_ingest",
) -> MediaAsset:
    """Store the file at ``path`` as a new asset's untouched original, and
    process it.

    With ``wait``, the asset's job runs here, in this process, before this
    returns (the asset is then ready, or failed with ``failure_reason``);
    ``worker`` names this process in the job. Without, the job is queued on
    the transcode queue once the transaction commits.

    Raises MediaError, with its reason, when ``path`` is not a file, and
    DuplicateMediaError, naming the asset, when the same bytes are already
    in the library; in both cases nothing is stored. The file itself is
    copied, never moved or removed.
    """
    path = Path(path)
    if not path.is_file():
        raise MediaError(_("找不到文件：%(path)s") % {"path": path})
    asset = asset_create_from_upload(
        staged_path=path,
        filename=path.name,
        title=title,
        collection=collection,
        uploaded_by=uploaded_by,
        start_processing=not wait,
    )
    if wait:
        asset_process_now(asset=asset, worker=worker)
    return asset


def asset_process_now(*, asset: MediaAsset, worker: str) -> MediaAsset:
    """Run the asset's job (the default profile's) in this process, and
    refresh ``asset`` with the outcome. A long video's chunks run here one
    after another, then are assembled: the same output as many workers
    make. A job that already finished or failed is not run again
    (``job_rerun`` does that)."""
    job = job_request(asset=asset, dispatch=False)
    job_run(job_id=job.pk, worker=worker, in_process=True)
    asset.refresh_from_db()
    return asset
