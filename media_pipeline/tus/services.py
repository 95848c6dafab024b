"""Handing a complete upload over to the media library."""

import logging

from django.utils.translation import gettext as _
from wagtail.models import Collection

from ..errors import DuplicateMediaError, MediaError
from ..models import MediaAsset
from ..services.assets import asset_create_from_upload
from .staging import StagedUpload

logger = logging.getLogger(__name__)


def upload_collection(metadata: dict[str, str]) -> Collection | None:
    """The collection named in an upload's metadata, if any and if it exists."""
    value = metadata.get("collection") or metadata.get("collection_id") or ""
    if not value.isdigit():
        return None
    return Collection.objects.filter(pk=int(value)).first()


def upload_finish(*, upload: StagedUpload, user) -> MediaAsset:
    """Store a fully received upload as an asset and record the outcome.

    Whatever happens, the staged bytes are deleted afterwards: they are either
    in the library now or refused. The outcome stays in the upload's state, so
    a client that lost the answer can ask again (HEAD or the same PATCH).
    Raises what the asset service raises.
    """
    state = upload.state
    metadata = state.metadata
    try:
        asset = asset_create_from_upload(
            staged_path=upload.data_path,
            filename=metadata.get("filename") or metadata.get("name") or "",
            title=metadata.get("title", ""),
            collection=upload_collection(metadata),
            uploaded_by=user,
        )
    except DuplicateMediaError as error:
        state.failure_status = 409
        state.failure_reason = error.reason
        # None when the uploader may not see that asset (services.assets).
        state.existing_id = error.existing.pk if error.existing else None
        raise
    except MediaError as error:
        state.failure_status = 422
        state.failure_reason = error.reason
        raise
    except Exception:
        logger.exception("Could not store upload %s as an asset", state.id)
        state.failure_status = 503
        state.failure_reason = _("保存文件时出错，请重新上传。")
        raise
    else:
        state.asset_id = asset.pk
        logger.info("Upload %s became asset %s", state.id, asset.pk)
        return asset
    finally:
        upload.finish()
