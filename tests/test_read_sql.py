"""How reads bind lists of ids (one parameter) and read timestamps (as the API's text, formatted by the
database), on the database the suite runs on."""
import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import Column, DateTime, Integer, MetaData, Table, event, insert, select, text

from app.engine.id_lists import in_ids
from app.engine.registry import RESOURCES
from app.engine.render import iso_utc
from app.engine.timestamps import utc_text
from app.extensions import db
from app.models import Subject
from tests.conftest import JSONAPI
from tests.reading_seed import make_collection, make_subject


def _statements(engine, run):
    """[(SQL, parameters)] of what ``run()`` sends to the driver."""
    seen = []

    def listen(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return seen


def test_a_read_by_ids_sends_one_parameter_whatever_their_number(app, people):
    alice = people.user("alice")
    resource = RESOURCES["users"]
    with app.app_context():
        for count in (1, 10, 5000):
            ids = [alice.id] + list(range(10**6, 10**6 + count - 1))
            sent = _statements(db.engine, lambda: db.session.execute(resource.rows_by_ids, {"ids": ids}).all())
            assert len(sent) == 1
            statement, parameters = sent[0]
            values = parameters.values() if isinstance(parameters, dict) else parameters
            assert len(values) == 1, (count, statement)
            rows = db.session.execute(resource.rows_by_ids, {"ids": ids}).all()
            assert [r[0] for r in rows] == [alice.id]


def test_more_ids_than_sqlite_takes_parameters_are_read(app, people):
    """SQLite refuses a statement with more than 32,766 parameters; an expanded ``IN`` of 40,000 ids was one."""
    ids = [people.user(login).id for login in ("alice", "bob")]
    with app.app_context():
        wanted = ids + list(range(10**6, 10**6 + 40_000))
        table = RESOURCES["users"].table
        found = db.session.execute(select(table.c.id).where(in_ids(table.c.id, wanted))).scalars().all()
        assert sorted(found) == sorted(ids)
        assert db.session.execute(select(table.c.id).where(in_ids(table.c.id, []))).all() == []


def test_a_read_by_ids_searches_the_primary_key(app):
    with app.app_context():
        resource = RESOURCES["subjects"]
        statement = resource.rows_by_ids
        postgresql = db.engine.dialect.name == "postgresql"
        with db.engine.connect() as connection:  # never committed
            if postgresql:
                # with sequential scans priced out, a condition the index can serve is served by it
                connection.execute(text("SET LOCAL enable_seqscan = off"))
                connection.execute(text("SET LOCAL enable_bitmapscan = off"))
                plan = connection.exec_driver_sql("EXPLAIN " + str(statement.compile(db.engine)), {"ids": [1, 2, 3]})
            else:
                plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + str(statement.compile(db.engine)),
                                                  ("[1, 2, 3]",))
            plan = "\n".join(str(row[-1]) for row in plan)
        if postgresql:
            assert "Index Scan using pk_subjects" in plan and "= ANY" in plan, plan
        else:
            assert "SEARCH subjects USING INTEGER PRIMARY KEY" in plan, plan


def test_timestamps_formatted_by_the_database_are_the_python_form(app):
    """Random instants (and the edges of a second and of a year) come back from ``utc_text`` exactly as
    ``iso_utc`` writes the value the driver returns: UTC, milliseconds truncated, a ``Z``."""
    generator = random.Random(11)
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    values = [start + timedelta(microseconds=generator.randrange(10**15)) for _ in range(2000)]
    values += [datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
               datetime(2026, 1, 1, tzinfo=timezone.utc),
               datetime(2026, 6, 1, 12, 0, 0, 999500, tzinfo=timezone(timedelta(hours=2)))]
    metadata = MetaData()
    table = Table("timestamp_probe", metadata, Column("id", Integer, primary_key=True),
                  Column("at", DateTime(timezone=True), nullable=False))
    with app.app_context():
        metadata.create_all(db.engine)
        try:
            with db.engine.begin() as connection:
                connection.execute(insert(table), [{"id": n, "at": v} for n, v in enumerate(values)])
                if db.engine.dialect.name == "sqlite":
                    # a value stored without a fraction (as SQL's CURRENT_TIMESTAMP writes it)
                    connection.execute(text("INSERT INTO timestamp_probe VALUES (-1, '2026-05-05 10:11:12')"))
            with db.engine.connect() as connection:
                rows = connection.execute(select(table.c.at, utc_text(table.c.at))).all()
        finally:
            metadata.drop_all(db.engine)
    assert len(rows) >= len(values)
    assert [iso_utc(value) for value, _text in rows] == [formatted for _value, formatted in rows]


def test_the_api_writes_the_stored_instant(app, client, people):
    alice = people.user("alice")
    subject = make_subject(client, alice)
    collection = make_collection(client, alice, "Birds", subjects=[subject])
    with app.app_context():
        stored = db.session.get(Subject, int(subject))
        expected = {"created_at": iso_utc(stored.created_at), "updated_at": iso_utc(stored.updated_at)}
    response = client.get(f"/api/collections/{collection}?include=subjects", headers={"Accept": JSONAPI})
    included = response.get_json()["included"][0]["attributes"]
    assert {k: included[k] for k in expected} == expected
    assert expected["created_at"].endswith("Z") and len(expected["created_at"]) == len("2026-01-01T00:00:00.000Z")
