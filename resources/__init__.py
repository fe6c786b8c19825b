"""The /api blueprint: every declared resource type, plus the entry point, /me and /health."""
from flask import Blueprint, current_app, g, request

from app.auth import caller_from_request
from app.engine.errors import ApiError
from app.engine.negotiation import JSONAPI_DIALECT, check_content_type, choose_dialect
from app.extensions import db

api = Blueprint("api", __name__, url_prefix="/api")

BODY_METHODS = {"POST", "PUT", "PATCH"}


@api.before_request
def negotiate_and_authenticate():
    """Dialect first (406), then the body's media type (415), then the caller (401)."""
    chosen = choose_dialect(request.headers.get("Accept"), current_app.config["PANOPTES_DIALECT"])
    if isinstance(chosen, ApiError):
        g.dialect = JSONAPI_DIALECT
        raise chosen
    g.dialect = chosen
    if request.method in BODY_METHODS and _has_body():
        check_content_type(request.headers.get("Content-Type"), current_app.config["PANOPTES_DIALECT"])
    g.caller = caller_from_request()
    if request.method in BODY_METHODS | {"DELETE"}:
        # end the token's read here: the write's own transaction (SQLite: BEGIN IMMEDIATE) starts afresh
        db.session.rollback()


def _has_body():
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def register_all():
    """Import every module of this package (declarations register themselves, views add their routes: a new
    family is a new module, listed nowhere) and add each declaration's routes (idempotent: blueprints are set
    up once)."""
    import importlib
    import pkgutil

    from app.engine.registry import RESOURCES
    from app.engine.resource import compile_all

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    from resources import web_annotations
    from resources.views import register

    compile_all()
    if not getattr(api, "_registered_resources", False):
        for resource in RESOURCES.values():
            register(api, resource)
        api._registered_resources = True
    web_annotations.register_all()
