import os
import subprocess
import sys

from tests.conftest import PROJECT_DIR


def run_check(**env_overrides):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.dev"}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_installed_ffmpeg_passes():
    result = run_check()
    assert result.returncode == 0, result.stderr
    assert "media_pipeline.E00" not in result.stderr


def test_missing_ffmpeg_is_an_error_with_an_id():
    result = run_check(FFMPEG_BINARY="/nonexistent/ffmpeg")
    assert result.returncode != 0
    assert "media_pipeline.E001" in result.stderr


def test_too_old_ffmpeg_is_an_error(tmp_path):
    fake = tmp_path / "ffprobe"
    fake.write_text("#!/bin/sh\necho 'ffprobe version 3.4.8 Copyright'\n")
    fake.chmod(0o755)
    result = run_check(FFPROBE_BINARY=str(fake))
    assert result.returncode != 0
    assert "media_pipeline.E002" in result.stderr and "too old" in result.stderr


def test_incomplete_s3_settings_are_flagged():
    env = {k: v for k, v in os.environ.items() if not k.startswith("S3_")}
    env["S3_BUCKET"] = "baigali"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "cms.settings.dev"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "media_pipeline.W003" in result.stderr
