from pathlib import Path

import pytest


@pytest.fixture
def media_root(settings, tmp_path):
    """Stored files (originals, screen files, zips) in this test's folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)
