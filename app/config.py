"""Settings, read from the environment (names and defaults as the API contract lists them)."""
import os

MIB = 1024 * 1024


def _bool(value, default):
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value, default):
    if value is None or value == "":
        return default
    return int(value)


def origins(value):
    return [origin.strip().rstrip("/") for origin in (value or "").split(",") if origin.strip()]


def from_environment(instance_path, env=None):
    env = os.environ if env is None else env
    default_db = "sqlite:///" + os.path.join(instance_path, "hyperapi.sqlite3")
    return {
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or default_db,
        "SECRET_KEY": env.get("SECRET_KEY") or "dev-only-secret-change-me",
        "PANOPTES_DIALECT": _bool(env.get("PANOPTES_DIALECT"), True),
        "MAX_CONTENT_LENGTH": _int(env.get("MAX_CONTENT_LENGTH"), 10 * MIB),
        "INCLUDE_MAX_DEPTH": _int(env.get("INCLUDE_MAX_DEPTH"), 3),
        "INCLUDE_MAX_RESOURCES": _int(env.get("INCLUDE_MAX_RESOURCES"), 5000),
        "PAGE_SIZE_DEFAULT": _int(env.get("PAGE_SIZE_DEFAULT"), 20),
        "PAGE_SIZE_MAX": _int(env.get("PAGE_SIZE_MAX"), 100),
        # How many ids of a to-many relation a resource object lists before it
        # points at the paged relationship endpoint instead.
        "LINKAGE_MAX": _int(env.get("LINKAGE_MAX"), 100),
        # most operations one atomic request (POST /api/operations) may carry
        "ATOMIC_MAX_OPERATIONS": _int(env.get("ATOMIC_MAX_OPERATIONS"), 100),
        # manifests per IIIF Collection page, activities per Change Discovery page
        "IIIF_COLLECTION_PAGE_SIZE": _int(env.get("IIIF_COLLECTION_PAGE_SIZE"), 100),
        "IIIF_DISCOVERY_PAGE_SIZE": _int(env.get("IIIF_DISCOVERY_PAGE_SIZE"), 100),
        "MANIFEST_MAX_BYTES": _int(env.get("MANIFEST_MAX_BYTES"), 20 * MIB),
        "MANIFEST_FETCH_TIMEOUT": float(env.get("MANIFEST_FETCH_TIMEOUT") or 30),
        "MANIFEST_FETCH_ALLOWLIST": env.get("MANIFEST_FETCH_ALLOWLIST", ""),
        # How long (ms) a SQLite writer waits for another's write lock before the request answers 503
        "SQLITE_BUSY_TIMEOUT": _int(env.get("SQLITE_BUSY_TIMEOUT"), 10000),
        "QUERY_COUNT_HEADER": _bool(env.get("QUERY_COUNT_HEADER"), False),
        # one JSON line per request on stderr (app/request_log.py)
        "REQUEST_LOG": _bool(env.get("REQUEST_LOG"), True),
        "RATE_LIMIT": env.get("RATE_LIMIT") or None,
        # where RATE_LIMIT and the login throttle count; memory:// is per process
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or "memory://",
        # failed sign-ins and password grants allowed per account and per client address
        "LOGIN_LIMIT_ACCOUNT": env.get("LOGIN_LIMIT_ACCOUNT", "10 per 15 minutes"),
        "LOGIN_LIMIT_ADDRESS": env.get("LOGIN_LIMIT_ADDRESS", "100 per 15 minutes"),
        # access tokens are short-lived; a refresh token replaces them
        "TOKEN_LIFETIME": _int(env.get("TOKEN_LIFETIME"), 2 * 3600),
        "REFRESH_TOKEN_LIFETIME": _int(env.get("REFRESH_TOKEN_LIFETIME"), 14 * 24 * 3600),
        "SESSION_LIFETIME": _int(env.get("SESSION_LIFETIME"), 14 * 24 * 3600),
        "SESSION_COOKIE_NAME": "hyperapi_session",
        # None (with https) lets a front-end on another site sign in; Lax otherwise
        "SESSION_COOKIE_SAMESITE": env.get("SESSION_COOKIE_SAMESITE") or "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), False),
        "SESSION_COOKIE_HTTPONLY": True,
        # browser origins allowed to sign in and get tokens with credentials, comma-separated
        "CORS_ORIGINS": origins(env.get("CORS_ORIGINS")),
        "PASSWORD_HASH_METHOD": env.get("PASSWORD_HASH_METHOD") or "scrypt",
        # Public origin of the API when it runs behind a proxy, e.g. https://api.example.org
        "PUBLIC_URL": (env.get("PUBLIC_URL") or "").rstrip("/") or None,
        # Host names (Flask's TRUSTED_HOSTS: a leading dot admits subdomains) a request's Host header must
        # match, else 400; unset: any Host (then PUBLIC_URL keeps links off a forged one)
        "TRUSTED_HOSTS": [h.strip() for h in (env.get("TRUSTED_HOSTS") or "").split(",") if h.strip()] or None,
        # Where a web front-end shows a set: a set's url_html is {SITE_URL}/set/{id}/ (default: the
        # API's own origin)
        "SITE_URL": (env.get("SITE_URL") or "").rstrip("/") or None,
        # Where jobs (Prefer: respond-async) are queued: a SQLite file (one machine; `flask jobs worker`
        # runs them) or redis://host:port/db, shared by the web processes and workers of every machine
        "JOBS_QUEUE_URL": env.get("JOBS_QUEUE_URL") or "sqlite:///" + os.path.join(instance_path, "queue.sqlite3"),
        # the queue's name in that storage (deployments sharing one Redis give each its own)
        "JOBS_QUEUE_NAME": env.get("JOBS_QUEUE_NAME") or "hyperapi-jobs",
        # a running job's heartbeat older than this many seconds means its worker is gone: the job is
        # queued again (at most JOB_MAX_ATTEMPTS runs in all), then marked failed
        "JOB_LEASE": float(env.get("JOB_LEASE") or 60),
        "JOB_MAX_ATTEMPTS": _int(env.get("JOB_MAX_ATTEMPTS"), 3),
        # finished jobs are kept this many seconds, then removed by the workers' upkeep (or `flask jobs prune`)
        "JOB_RETENTION": _int(env.get("JOB_RETENTION"), 7 * 24 * 3600),
        # worker threads of one `flask jobs worker` process
        "JOB_WORKERS": _int(env.get("JOB_WORKERS"), 2),
    }
