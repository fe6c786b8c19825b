"""Cross-origin access for browser clients, and the limiter (``RATE_LIMIT`` for the API, login throttling).

The API under /api is bearer-only, so any origin may call it without credentials. The sign-in pages and
the OAuth endpoints take cookies, so only the origins named in ``CORS_ORIGINS`` may call them with
credentials, and the exact origin is echoed (never ``*``)."""
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Link, Allow, Accept-Post, Prefer and Slug: the Web Annotation Protocol's; Content-Location, Preference-Applied
# and Prefer: asynchronous requests and the protocol
EXPOSED = ["ETag", "Location", "Vary", "X-Query-Count", "X-Request-Id", "Retry-After", "Link", "Allow",
           "Content-Location", "Accept-Post", "Preference-Applied"]
ALLOWED = ["Authorization", "Content-Type", "Accept", "If-Match", "If-None-Match", "If-Unmodified-Since",
           "X-Request-Id", "Prefer", "Slug"]
CSRF_HEADERS = ["X-CSRF-Param", "X-CSRF-Token"]


def init_app(app):
    with_credentials = {"origins": app.config["CORS_ORIGINS"], "supports_credentials": True,
                        "expose_headers": EXPOSED + CSRF_HEADERS, "allow_headers": ALLOWED + ["X-CSRF-Token"]}
    CORS(app, resources={r"/api/*": {"origins": "*"}, r"/w3c/*": {"origins": "*"}, r"/users/*": with_credentials,
                         r"/oauth/*": with_credentials},
         expose_headers=EXPOSED, allow_headers=ALLOWED, max_age=300, vary_header=True,
         methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    # Counts live in RATELIMIT_STORAGE_URI: memory:// keeps them per process, so a deployment with several
    # processes names a shared backend (e.g. redis://…) for RATE_LIMIT and the login throttle alike.
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limit = app.config.get("RATE_LIMIT")
    limiter = Limiter(get_remote_address, app=app, default_limits=[limit] if limit else [])
    from resources.root import health

    # load balancers poll it; a 429 there would take a healthy process out of service
    limiter.exempt(health)
    app.extensions["hyperapi_limiter"] = limiter

    @app.after_request
    def vary_on_origin(response):
        # flask-cors omits Vary for a single listed origin, yet other origins get a different answer
        from flask import request

        if request.path.startswith(("/users/", "/oauth/")) and "Origin" not in response.headers.get("Vary", ""):
            response.headers.add("Vary", "Origin")
        return response
