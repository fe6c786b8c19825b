"""GET /api (the entry point), GET /api/me and GET /api/health."""
import functools

from flask import current_app
from sqlalchemy import text

from app.engine.errors import ApiError
from app.engine.openapi import documented
from app.engine.http import api_root, dialect, request_url, respond, require_caller, show_response
from app.engine.registry import RESOURCES
from app.extensions import db
from resources import api


@api.get("", strict_slashes=False)
@documented("document", errors=("406",), auth=False)
def entry_point():
    """The entry point: every type's list and link templates, the explorer and this description"""
    return respond(dialect().entry_document(sorted(RESOURCES), api_root(), request_url(),
                                            extra={"iiif_discovery": "/iiif/discovery"}))


@api.get("/me")
@documented("one", of="users")
def me():
    caller = require_caller()
    return show_response(RESOURCES["users"], caller.user_id)


@functools.cache
def migration_head():
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory(current_app.extensions["migrate"].directory).get_heads()
    return heads[0] if len(heads) == 1 else ",".join(sorted(heads))


@api.get("/health")
@documented("document", errors=("406", "503"), auth=False)
def health():
    """For load balancers: 200 while the database answers, 503 while it does not."""
    try:
        db.session.execute(text("SELECT 1"))
        head = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as exc:  # any database failure means unhealthy
        db.session.rollback()
        current_app.logger.warning("health check failed: %s", exc)
        raise ApiError(503, "The database is not reachable.", code="database_unavailable",
                       headers={"Retry-After": "1"})
    # migration: the database's revision; migration_head: the newest this code ships
    meta = {"status": "ok", "database": "ok", "migration": head, "migration_head": migration_head(),
            "migrated": head == migration_head()}
    return respond(dialect().meta_document("health", meta))
