"""The Content-Security-Policy header: on every HTML answer, strict about
scripts on the public site, and allowing the S3 bucket's origin when files
are on S3. (tests/security/test_csp_in_chromium.py checks it in a browser.)"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_user

PROJECT_DIR = Path(__file__).resolve().parents[2]


def directives(header: str) -> dict[str, list[str]]:
    policy = {}
    for part in header.split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


def public_paths() -> dict[str, str]:
    from brand_assets.models import BrandLibraryPage
    from cms.home.models import HomePage
    from cms.music.models import MusicWorkIndexPage, MusicWorkPage
    from cms.programmes.models import EpisodePage, ProgramIndexPage, ProgramPage
    from cms.videos.models import ShortVideoPage, VideoIndexPage, VideoSeriesPage

    models = [HomePage, ProgramIndexPage, ProgramPage, EpisodePage, VideoIndexPage]
    models += [VideoSeriesPage, ShortVideoPage, MusicWorkIndexPage, MusicWorkPage]
    models += [BrandLibraryPage]
    return {
        model.__name__: model.objects.live().order_by("path").first().url
        for model in models
    }


@pytest.mark.django_db
def test_every_public_page_type_has_a_strict_policy(client, demo):
    paths = public_paths()
    for name, path in [*paths.items(), ("404", "/no-such-page/")]:
        response = client.get(path)
        assert response.status_code == (404 if name == "404" else 200), name
        assert response["Content-Type"].startswith("text/html")
        policy = directives(response["Content-Security-Policy"])
        assert "'unsafe-inline'" not in policy["script-src"], name
        assert "'unsafe-eval'" not in policy["script-src"], name
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'self'"]
        # hls.js: MediaSource blob: URLs and its worker.
        assert "blob:" in policy["media-src"] and "blob:" in policy["worker-src"]


@pytest.mark.django_db
def test_the_admin_allows_its_inline_scripts_and_nothing_else(client, demo):
    from cms.programmes.models import EpisodePage

    client.force_login(make_user("csp-editor", superuser=True))
    episode = EpisodePage.objects.live().first()
    for path in [
        "/admin/login/",
        "/admin/",
        f"/admin/pages/{episode.pk}/edit/",
        "/admin/media/",
        "/admin/media/upload/",
    ]:
        response = client.get(path)
        assert response.status_code in (200, 302), path
        policy = directives(response["Content-Security-Policy"])
        # Wagtail's widgets write inline scripts; a nonce would disable
        # 'unsafe-inline', so there is none here.
        assert policy["script-src"] == ["'self'", "'unsafe-inline'"], path
        assert "'unsafe-eval'" not in policy["script-src"]
        assert policy["object-src"] == ["'none'"]


def settings_in_a_process(module: str, **environment: str) -> dict:
    """The settings ``module`` makes from ``environment``, as a deployment
    would get them: read in a new process."""
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'csp': settings.CONTENT_SECURITY_POLICY, "
        "'caches': settings.CACHES}, default=str))"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("S3_", "CSP_", "REDIS_", "CACHE_"))
    }
    env.update(DJANGO_SETTINGS_MODULE=module, **environment)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


PRODUCTION = {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "baigali.example"}


@pytest.mark.parametrize(
    "environment, origins",
    [
        # A self-hosted store (MinIO, moto) serves the bucket under its path.
        (
            {"S3_BUCKET": "media", "S3_ENDPOINT_URL": "https://s3.example.cn:9000"},
            ["https://s3.example.cn:9000"],
        ),
        (
            {"S3_BUCKET": "media", "S3_REGION": "cn-north-1"},
            [
                "https://media.s3.amazonaws.com.cn",
                "https://media.s3.cn-north-1.amazonaws.com.cn",
            ],
        ),
        ({}, []),
    ],
)
def test_the_s3_bucket_origin_is_allowed_for_media(environment, origins):
    settings = settings_in_a_process(
        "cms.settings.production", **PRODUCTION, **environment
    )
    policy = settings["csp"]["DIRECTIVES"]
    for directive in ("img-src", "media-src", "connect-src"):
        extra = [source for source in policy[directive] if "://" in source]
        assert extra == origins, directive
    assert not [s for s in policy["script-src"] if "://" in s]


def test_production_shares_a_redis_cache_when_redis_url_is_set():
    settings = settings_in_a_process(
        "cms.settings.production", **PRODUCTION, REDIS_URL="redis://cache:6379/2"
    )
    assert settings["caches"]["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache:6379/2",
    }
    without = settings_in_a_process("cms.settings.production", **PRODUCTION)
    assert without["caches"]["default"]["BACKEND"].endswith("LocMemCache")
