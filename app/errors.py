"""Every error leaves as a document in the caller's dialect; nothing a client sends becomes a 500."""
import orjson
from flask import current_app, g, request
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.wrappers import Response

from app.engine.errors import ApiError, conflict
from app.engine.negotiation import JSONAPI_DIALECT, choose_dialect
from app.extensions import db


def _dialect():
    """The request's dialect, also for errors raised before negotiation ran (routing, rate limits)."""
    if "dialect" in g:
        return g.dialect
    chosen = choose_dialect(request.headers.get("Accept"), current_app.config["PANOPTES_DIALECT"])
    return chosen if not isinstance(chosen, ApiError) else JSONAPI_DIALECT


def render_error(error):
    dialect = _dialect()
    body = dialect.error_body(error.objects())
    response = Response(orjson.dumps(body), status=error.status, content_type=dialect.content_type)
    response.headers.update(error.headers)
    return response


METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")


def from_http_exception(exc):
    status = exc.code or 500
    detail = {
        404: "The requested URL does not name a resource of this API.",
        405: f"{request.method} is not allowed on this URL.",
        413: f"The request body is larger than the limit of {current_app.config['MAX_CONTENT_LENGTH']} bytes.",
    }.get(status, exc.description or "")
    headers = {}
    if status == 405 and getattr(exc, "valid_methods", None):
        allowed = [m for m in METHOD_ORDER if m in exc.valid_methods]
        headers["Allow"] = ", ".join(allowed)
    code = "untrusted_host" if isinstance(exc, SecurityError) else exc.name.lower().replace(" ", "_")
    return ApiError(status, detail, code=code, headers=headers)


def init_app(app):
    @app.errorhandler(ApiError)
    def api_error(error):
        db.session.rollback()
        return render_error(error)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        db.session.rollback()
        return render_error(from_http_exception(exc))

    @app.errorhandler(Exception)
    def unexpected(exc):
        db.session.rollback()
        if _database_unavailable(exc):
            return render_error(ApiError(503, "The database is not reachable; retry shortly.",
                                         code="database_unavailable", headers={"Retry-After": "1"}))
        if _constraint_violation(exc):
            # a constraint caught what a concurrent request changed between our checks and our write
            return render_error(conflict())
        current_app.logger.exception("unhandled error")
        return render_error(ApiError(500, "An unexpected error occurred.", title="Internal server error",
                                     code="internal_error"))


def _database_unavailable(exc):
    """Busy (SQLite's lock wait ran out) or gone; also a driver's own error, raised outside SQLAlchemy's
    wrapping (SQLite's BEGIN IMMEDIATE runs on the driver connection)."""
    import sqlite3

    import psycopg
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, (OperationalError, sqlite3.OperationalError, psycopg.OperationalError)):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def _constraint_violation(exc):
    from sqlalchemy.exc import IntegrityError

    return isinstance(exc, IntegrityError)
