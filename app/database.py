"""Engine set-up: SQLite pragmas and write locking, PostgreSQL session settings and reconnection, and
counting statements per request."""
from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def engine_options(app):
    """Pool settings by database, unless the deployment set SQLALCHEMY_ENGINE_OPTIONS itself.

    PostgreSQL: a connection is pinged when taken from the pool, so the processes recover by themselves
    after the database restarts or a connection drops (requests in between get 503), and a connection
    attempt gives up after a few seconds instead of hanging.

    JSON columns are decoded with orjson: reading 1,000 subject rows on SQLite takes 2.0 ms instead of 4.7
    (docs/performance.md). Bodies are read with orjson too, so every stored value is one it reads back.
    """
    import orjson

    url = app.config.get("SQLALCHEMY_DATABASE_URI") or ""
    if "SQLALCHEMY_ENGINE_OPTIONS" in app.config:
        return
    options = {"json_deserializer": orjson.loads}
    if url.startswith("postgresql"):
        options.update({"pool_pre_ping": True, "connect_args": {"connect_timeout": 5}})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def init_app(app):
    with app.app_context():
        engine = db_engine()
        if engine.dialect.name == "sqlite":
            busy_timeout = int(app.config.get("SQLITE_BUSY_TIMEOUT", 10000))
            event.listen(engine, "connect", lambda conn, record: _sqlite_pragmas(conn, record, busy_timeout))
            event.listen(engine, "begin", _sqlite_begin)
        elif engine.dialect.name == "postgresql":
            event.listen(engine, "connect", _postgres_session)
        event.listen(engine, "before_cursor_execute", _count_statement)


def db_engine():
    from app.extensions import db

    return db.engine


def _sqlite_pragmas(dbapi_connection, _record, busy_timeout):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # Transactions are begun by _sqlite_begin, not implicitly by the driver.
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection):
    """A write request takes SQLite's write lock when its first transaction begins (BEGIN IMMEDIATE).

    With the driver's default (deferred) transactions, two processes can both read a row, and the
    second to write then fails: with "database is locked" (a read snapshot cannot be upgraded) or with
    a stale version. Taking the lock first makes the writers of all processes queue (busy_timeout)
    and read what the previous one committed, as row locks do on PostgreSQL. Every transaction of a
    write request is immediate (one that commits and then writes again must not read first and fail
    to upgrade); GET requests and work outside requests stay deferred, so reads never wait.
    """
    # The caller's token is read in a deferred transaction of its own (see resources/__init__.py), so a
    # request that then times out waiting for the lock still knows, and logs, who sent it.
    immediate = has_request_context() and request.method in WRITE_METHODS and "caller" in g
    # a job's writes (app/jobs/) take the lock first for the same reason
    immediate = immediate or (has_app_context() and g.get("immediate_writes", False))
    # on the driver connection, so the statement is not counted as one of the request's queries
    connection.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _postgres_session(dbapi_connection, _record):
    """UTC, and no JIT compilation: the visibility rules' nested sub-selects make the planner's cost estimates
    of a count over a big relation pass ``jit_above_cost``, and compiling then took 470 ms of a 510 ms
    statement (an image set of 100,000 images); every statement here is short, so JIT never pays off."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SET TIME ZONE 'UTC'")
    cursor.execute("SET jit = off")
    cursor.close()
    dbapi_connection.commit()


def _count_statement(*_args, **_kw):
    if has_app_context():
        g.query_count = g.get("query_count", 0) + 1


def read(statement, parameters=None):
    """Run a read on the session's connection, in its transaction, flushed first as the ORM would: the rows
    come back as they are, without the ORM's result layer, which a statement naming a mapped attribute (a
    visibility scope, a computed column) otherwise goes through (about 40 µs a statement and more per row)."""
    from app.extensions import db

    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, parameters)
