"""Settings shared by every environment.

Everything a deployment changes is read from the environment (django-environ).
The defaults here need no server at all: SQLite, files under ``var/`` and
Celery on Kombu's ``filesystem://`` transport. A production deployment switches
to PostgreSQL, Redis or RabbitMQ and S3 by setting variables, never by editing
code. Secrets have no default here; ``dev`` and ``test`` supply throwaway ones.
"""

import zoneinfo
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp import constants as csp_constants
from kombu import Queue

from search_engine.conf import search_backends

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent

env = environ.Env()
# A local .env is a convenience for developers; the environment always wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "cms.core",
    "cms.people",
    "cms.broadcasters",
    "cms.home",
    "cms.programmes",
    "cms.videos",
    "cms.music",
    "cms.awards",
    "cms.schedules",
    "cms.site",
    "cms.catalogue",
    "media_pipeline",
    "syndication",
    "brand_assets",
    "screens",
    "search_engine",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "axes",
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that the header is on every answer the middleware below make
    # too (redirects, axes' lockout page).
    "cms.core.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: only anonymous visitors get kept public pages.
    "cms.site.page_cache.PublicPageCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as axes asks: it turns a lockout signalled by its backend into
    # the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # {{ CSP_NONCE }} for the few inline scripts of our templates.
                "csp.context_processors.nonce",
                # {{ settings.site.FooterSettings }} for the footer.
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------
# PostgreSQL through DATABASE_URL (postgres://user:pass@host:5432/name).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database is shared by the web and worker processes. Each
    # transaction takes the write lock when it begins (IMMEDIATE): two
    # transactions that both read and then write would otherwise deadlock,
    # and SQLite fails one at once with "database is locked" instead of
    # letting it wait. A writer waits this long for the other's write to end
    # (SQLite's default is 5 s, which a busy 2-core machine exceeds).
    _sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite_options.setdefault("transaction_mode", "IMMEDIATE")
    _sqlite_options.setdefault("timeout", 30)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's default random_page_cost (4) assumes spinning disks: on
    # SSD storage it prices index reads so high that a search matches every
    # index entry one by one rather than read the GIN index built for it
    # (3.5x slower at 3,400 items). 1.1 is the usual figure for SSDs. Empty
    # leaves the server's own (for a pooler that refuses startup options).
    _page_cost = env("DATABASE_RANDOM_PAGE_COST", default="1.1")
    if _page_cost:
        _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
        _pg_options.setdefault("options", f"-c random_page_cost={float(_page_cost)}")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# axes' backend first: it refuses a locked-out username and address before
# any password is checked, and counts the failures of the backends after it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time -------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_collected"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Front-end packages from npm, copied here by scripts/build_frontend.sh during
# set-up (never committed).
if (BASE_DIR / "static_vendor").is_dir():
    STATICFILES_DIRS.append(("vendor", BASE_DIR / "static_vendor"))
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# S3 (or any S3-compatible store) switches on when a bucket is named. The bucket
# is private: files are handed out through short-lived presigned URLs.
S3_BUCKET = env("S3_BUCKET", default="")
if S3_BUCKET:
    from botocore.config import Config as BotoConfig

    S3_ENDPOINT_URL = env("S3_ENDPOINT_URL", default=None)
    # Self-hosted stores (MinIO, Ceph, moto) serve buckets under the path, not
    # as subdomains; AWS itself picks the style.
    S3_ADDRESSING_STYLE = env(
        "S3_ADDRESSING_STYLE", default="path" if S3_ENDPOINT_URL else "auto"
    )
    S3_SIGNATURE_VERSION = env("S3_SIGNATURE_VERSION", default="s3v4")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL,
            "region_name": env("S3_REGION", default=None),
            "access_key": env("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env("S3_SECRET_ACCESS_KEY", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env.int("S3_URL_EXPIRE_SECONDS", default=600),
            "file_overwrite": False,
            # Read only when client_config is absent; kept so both agree.
            "addressing_style": S3_ADDRESSING_STYLE,
            "signature_version": S3_SIGNATURE_VERSION,
            # An unreachable store fails a request in seconds rather than
            # hanging a worker; transient errors are retried with backoff.
            # total_max_attempts counts the first try (botocore's max_attempts
            # does not): 3 is the first try and two retries.
            "client_config": BotoConfig(
                connect_timeout=env.float("S3_CONNECT_TIMEOUT", default=5),
                read_timeout=env.float("S3_READ_TIMEOUT", default=60),
                retries={
                    "total_max_attempts": env.int("S3_MAX_ATTEMPTS", default=3),
                    "mode": "standard",
                },
                signature_version=S3_SIGNATURE_VERSION,
                s3={"addressing_style": S3_ADDRESSING_STYLE},
            ),
        },
    }

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Cache -------------------------------------------------------------------
# Local memory by default, which each process keeps to itself. Production sets
# REDIS_URL (or any CACHE_URL django-environ reads) so that every web process
# shares one cache: the partner API's rate limit (PARTNER_API_CACHE, "default")
# counts across all of them only then.
_CACHE_URL = env("CACHE_URL", default="") or env("REDIS_URL", default="")
CACHES = {
    "default": env.cache_url_config(_CACHE_URL)
    if _CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# How long rendered public pages are kept (cms.site.page_cache); they are
# dropped on every publish anyway. 0 (off) outside production, so that
# developers and the test suite always see what they just changed.
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=0)

# --- Sign-in -----------------------------------------------------------------
# django-axes counts failed sign-ins (Wagtail's admin login included) and locks
# the pair username + address after AXES_FAILURE_LIMIT of them for the
# cool-off: the pair, so that a stranger cannot lock an editor out from
# elsewhere, and one address cannot try one account forever.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
# Every failure is kept (AccessFailureLog), not only the running count.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The log names the address; the username stays masked, as people type their
# password into it by mistake. The records above keep both.
AXES_SENSITIVE_PARAMETERS = ["username"]
# The address is REMOTE_ADDR unless the deployment names the header its proxy
# sets (django-ipware reads it). Right-most: the entry the nearest proxy
# appended, which a client cannot forge.
AXES_IPWARE_META_PRECEDENCE_ORDER = tuple(
    env.list("AXES_IP_HEADERS", default=["REMOTE_ADDR"])
)
AXES_IPWARE_PROXY_ORDER = env("AXES_IPWARE_PROXY_ORDER", default="right-most")

# --- Content-Security-Policy -------------------------------------------------
# On every response (django-csp, through cms.core.csp). Scripts only from our
# origin or carrying the request's nonce; styles may be inline because
# Wagtail's admin writes style attributes. hls.js plays from blob: URLs and
# runs its worker from one.
CSP_MEDIA_ORIGINS: list[str] = env.list("CSP_MEDIA_ORIGINS", default=[])
if S3_BUCKET:
    # Presigned URLs point at the bucket: pictures, playlists and segments
    # come from there.
    if S3_ENDPOINT_URL:
        _endpoint = urlsplit(S3_ENDPOINT_URL)
        if S3_ADDRESSING_STYLE in ("path", "auto"):
            CSP_MEDIA_ORIGINS.append(f"{_endpoint.scheme}://{_endpoint.netloc}")
        if S3_ADDRESSING_STYLE in ("virtual", "auto"):
            CSP_MEDIA_ORIGINS.append(
                f"{_endpoint.scheme}://{S3_BUCKET}.{_endpoint.netloc}"
            )
    else:
        # AWS: the bucket's own host name, global or regional (China's
        # regions under their own domain).
        _region = env("S3_REGION", default="")
        _domain = "amazonaws.com.cn" if _region.startswith("cn-") else "amazonaws.com"
        CSP_MEDIA_ORIGINS.append(f"https://{S3_BUCKET}.s3.{_domain}")
        if _region:
            CSP_MEDIA_ORIGINS.append(f"https://{S3_BUCKET}.s3.{_region}.{_domain}")
# Embedded players (wagtail.embeds) editors may put in a page.
CSP_FRAME_ORIGINS: list[str] = env.list("CSP_FRAME_ORIGINS", default=[])

_SELF, _NONE = "'self'", "'none'"
_csp = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF, csp_constants.NONCE],
        "style-src": [_SELF, csp_constants.UNSAFE_INLINE],
        "img-src": [_SELF, "data:", "blob:", *CSP_MEDIA_ORIGINS],
        "media-src": [_SELF, "blob:", *CSP_MEDIA_ORIGINS],
        "connect-src": [_SELF, *CSP_MEDIA_ORIGINS],
        "worker-src": [_SELF, "blob:"],
        "font-src": [_SELF, "data:"],
        "frame-src": [_SELF, *CSP_FRAME_ORIGINS],
        "frame-ancestors": [_SELF],
        "object-src": [_NONE],
        "base-uri": [_SELF],
        "form-action": [_SELF],
    },
}
# Wagtail's admin writes inline scripts no nonce can reach (widget set-up,
# choosers, inline panels): there, and only there, they are allowed.
CSP_ADMIN_URL_PREFIX = "/admin/"
CSP_ADMIN_DIRECTIVES = {"script-src": [_SELF, csp_constants.UNSAFE_INLINE]}
if env("CSP_REPORT_URI", default=""):
    _csp["DIRECTIVES"]["report-uri"] = [env("CSP_REPORT_URI")]
# Report-only first, when rolling a stricter policy out.
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp
    CONTENT_SECURITY_POLICY = None
else:
    CONTENT_SECURITY_POLICY = _csp

# --- Media pipeline ----------------------------------------------------------
MEDIA_MAX_DURATION_SECONDS = env.int("MEDIA_MAX_DURATION_SECONDS", default=4 * 3600)
MEDIA_MAX_WIDTH = env.int("MEDIA_MAX_WIDTH", default=7680)
MEDIA_MAX_HEIGHT = env.int("MEDIA_MAX_HEIGHT", default=7680)
MEDIA_UPLOAD_MAX_BYTES = env.int("MEDIA_UPLOAD_MAX_BYTES", default=20 * 1024**3)
# Running jobs whose worker has been silent this long are requeued.
MEDIA_JOB_STALE_SECONDS = env.int("MEDIA_JOB_STALE_SECONDS", default=300)
# Videos longer than this are transcoded in chunks of MEDIA_CHUNK_SECONDS
# (rounded to whole HLS segments), one transcode task each.
MEDIA_CHUNK_MIN_SECONDS = env.int("MEDIA_CHUNK_MIN_SECONDS", default=600)
MEDIA_CHUNK_SECONDS = env.int("MEDIA_CHUNK_SECONDS", default=60)

# --- Celery ------------------------------------------------------------------
# The embedded default is Kombu's filesystem transport under var/: a real
# worker process with no server to install. Production sets CELERY_BROKER_URL
# to Redis or RabbitMQ.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_DATA_DIR = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Producers and consumers share one folder, so both read and write it.
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "store_processed": False,
    }
    _default_result_backend = f"file://{CELERY_DATA_DIR / 'results'}"
else:
    _default_result_backend = CELERY_BROKER_URL
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=_default_result_backend)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = (Queue("default"), Queue("transcode"))
# A task is acknowledged only once it has finished, and a task whose worker is
# killed goes back on the queue instead of being lost (see PLATFORM_SPECS.md).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DATA_DIR / "beat-schedule")
# Periodic work, run by `celery -A cms beat` (or a worker started with -B).
CELERY_BEAT_SCHEDULE = {
    "reap-stale-media-jobs": {
        "task": "media_pipeline.tasks.reap_stale_jobs",
        "schedule": 60.0,
    },
    "expire-stale-uploads": {
        "task": "media_pipeline.tasks.expire_uploads",
        "schedule": 3600.0,
    },
    # The partner API's stored items are written again after each change;
    # once a day all of them, for what no signal reports.
    "store-partner-items": {
        "task": "media_pipeline.syndication.tasks.store_partner_items",
        "schedule": 24 * 3600.0,
        "options": {"queue": "default"},
    },
}

# --- Wagtail -----------------------------------------------------------------
WAGTAIL_SITE_NAME = "百嘎丽"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# Chinese search (search_engine): segmented into the database's own index,
# or, when SEARCH_URL names an Elasticsearch/OpenSearch cluster, into it with
# a Chinese analyzer (README, "Search").
WAGTAILSEARCH_BACKENDS = search_backends(
    search_url=env("SEARCH_URL", default=""),
    cluster=env("SEARCH_CLUSTER", default="elasticsearch8"),
    analyzer=env("SEARCH_ANALYZER", default="smartcn"),
)
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "txt", "musicxml", "mxl", "zip"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_DATE_FORMAT = "%Y-%m-%d"
WAGTAIL_DATETIME_FORMAT = "%Y-%m-%d %H:%M"
# No avatars from gravatar.com: unreachable for many of our users, a third
# party told who signs in, and one more origin for the CSP to allow.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Wagtail's sign-in form, with its password field labelled in Chinese.
WAGTAILADMIN_USER_LOGIN_FORM = "cms.core.forms.LoginForm"
# The zones a user may pick: zoneinfo's list without the names that are
# files of the system's zone database, not zones (the browser refuses
# "localtime" and the account page's script fails on it).
WAGTAIL_USER_TIME_ZONES = sorted(
    zoneinfo.available_timezones() - {"localtime", "posixrules", "Factory"}
)

# --- Partner API -------------------------------------------------------------
# Defaults in syndication/conf.py; the rate limit can be tuned per deployment.
if "PARTNER_API_RATE_LIMIT" in env.ENVIRON:
    PARTNER_API_RATE_LIMIT = env.int("PARTNER_API_RATE_LIMIT")
if "PARTNER_API_RATE_WINDOW" in env.ENVIRON:
    PARTNER_API_RATE_WINDOW = env.int("PARTNER_API_RATE_WINDOW")

# --- Catalogue import -------------------------------------------------------------
# The folders the admin's 导入目录 may read media from (a shared disk mounted on
# the server); an editor can name a folder inside one of them, nothing else.
CATALOGUE_MEDIA_ROOTS = env.list(
    "CATALOGUE_MEDIA_ROOTS", default=[str(VAR_DIR / "catalogue")]
)
