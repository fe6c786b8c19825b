"""Cross-origin access for browser clients, and the optional rate limit (``RATE_LIMIT``)."""
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

EXPOSED = ["ETag", "Location", "Vary", "X-Query-Count", "X-Request-Id", "Retry-After"]
ALLOWED = ["Authorization", "Content-Type", "Accept", "If-Match", "If-None-Match", "If-Unmodified-Since",
           "X-Request-Id"]


def init_app(app):
    CORS(app, resources={r"/api/*": {"origins": "*"}, r"/oauth/*": {"origins": "*"}},
         expose_headers=EXPOSED, allow_headers=ALLOWED, max_age=300,
         methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    limit = app.config.get("RATE_LIMIT")
    if limit:
        # Counted per client address in each process; a deployment with several processes
        # sets RATELIMIT_STORAGE_URI (e.g. a Redis URL) to share the counts.
        app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
        app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
        Limiter(get_remote_address, app=app, default_limits=[limit])
