"""Settings are read from the environment; production has no unsafe defaults."""

import os
import re
import subprocess
import sys

from django.conf import settings

from tests.conftest import PROJECT_DIR

STRONG_SECRET = "k3$9f!x" * 10  # long and varied enough for check --deploy


def manage(*args, env_overrides, drop=()):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "ALLOWED_HOSTS", *drop}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_chinese_and_shanghai_by_default():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


def test_production_refuses_to_start_without_secret_key():
    result = manage(
        "check",
        env_overrides={
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            "ALLOWED_HOSTS": "kepu.example.cn",
        },
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage(
        "check",
        env_overrides={
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            "SECRET_KEY": STRONG_SECRET,
        },
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_passes_the_deployment_checks():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            "SECRET_KEY": STRONG_SECRET,
            "ALLOWED_HOSTS": "kepu.example.cn",
        },
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_s3_storage_switches_on_when_a_bucket_is_named():
    code = (
        "from django.core.files.storage import storages; s = storages['default'];"
        "print(type(s).__name__, s.bucket_name, s.endpoint_url)"
    )
    result = manage(
        "shell",
        "-c",
        code,
        env_overrides={
            "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
            "S3_BUCKET": "baigali-media",
            "S3_ENDPOINT_URL": "http://127.0.0.1:9",
        },
    )
    assert result.returncode == 0, result.stderr
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.split() == ["S3Storage", "baigali-media", "http://127.0.0.1:9"]


def test_filesystem_storage_by_default():
    from django.core.files.storage import storages

    assert type(storages["default"]).__name__ == "FileSystemStorage"


# In production settings: gathers a stylesheet with the production storage
# into a new folder and prints its URL, the files written and the middleware.
GATHER_STATIC = """
import pathlib, tempfile
from django.conf import settings
from django.utils.module_loading import import_string

backend = import_string(settings.STORAGES["staticfiles"]["BACKEND"])
root = pathlib.Path(tempfile.mkdtemp())
(root / "site.css").write_text("body { color: #123456; }\\n" * 50)
storage = backend(location=str(root), base_url="/static/")
list(storage.post_process({"site.css": (storage, "site.css")}))
print(storage.url("site.css"))
print(" ".join(sorted(path.name for path in root.iterdir())))
print(" ".join(settings.MIDDLEWARE))
"""


def test_production_static_files_are_fingerprinted_and_compressed():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        GATHER_STATIC,
        env_overrides={
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            "SECRET_KEY": STRONG_SECRET,
            "ALLOWED_HOSTS": "kepu.example.cn",
        },
    )
    assert result.returncode == 0, result.stderr
    url, files, middleware = result.stdout.strip().splitlines()[-3:]
    assert re.fullmatch(r"/static/site\.[0-9a-f]{12}\.css", url)
    hashed = url.removeprefix("/static/")
    assert f"{hashed}.gz" in files.split()
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in middleware.split()
