"""Engine set-up: SQLite pragmas, PostgreSQL time zone, and counting statements per request."""
from flask import g, has_app_context
from sqlalchemy import event


def init_app(app):
    with app.app_context():
        engine = db_engine()
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        elif engine.dialect.name == "postgresql":
            event.listen(engine, "connect", _postgres_utc)
        event.listen(engine, "before_cursor_execute", _count_statement)


def db_engine():
    from app.extensions import db

    return db.engine


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _postgres_utc(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("SET TIME ZONE 'UTC'")
    cursor.close()
    dbapi_connection.commit()


def _count_statement(*_args, **_kw):
    if has_app_context():
        g.query_count = g.get("query_count", 0) + 1
