"""The member counters (app/models/member_counts.py): the database keeps them exact on every write path, and
numbered pages and linkage of one parent's members read them (``meta.<type>.count_source``)."""
import json
import os
import tempfile

from flask_migrate import upgrade
from sqlalchemy import delete, func, insert, inspect, select, text

from app import create_app
from app.engine.registry import RESOURCES
from app.engine.relations import READ_ONLY
from app.extensions import db
from app.models import Collection, CollectionSubject, Subject
from app.models.member_counts import COUNTED, MemberCount
from tests.conftest import JSONAPI, jsonapi_body
from tests.iiif_server import FIXTURES
from tests.sets_helpers import create_item, create_set, send
from tests.test_atomic import SUBJECT, add, ops, post
from tests.writing_helpers import create_collection, create_subject


def counters(app):
    with app.app_context():
        return {(r, p): n for r, p, n in db.session.execute(
            select(MemberCount.relation, MemberCount.parent_id, MemberCount.members))}


def link_rows(app):
    """What the counters must say: the link rows per counted parent, counted from the link tables."""
    with app.app_context():
        found = {}
        for table_name, columns in COUNTED.items():
            table = db.metadata.tables[table_name]
            for column in columns:
                rows = db.session.execute(select(table.c[column], func.count()).group_by(table.c[column]))
                found.update({(f"{table_name}.{column}", p): n for p, n in rows})
        return found


def assert_exact(app):
    assert counters(app) == link_rows(app)


def counter(app, key, parent):
    return counters(app).get((key, int(parent)), 0)


def subjects_of(app, cid):
    return counter(app, "collection_subjects.collection_id", cid)


def link(client, person, cid, *sids):
    response = client.post(f"/api/collections/{cid}/links/subjects", headers=person.panoptes(),
                           data=json.dumps({"subjects": [str(s) for s in sids]}), content_type=JSONAPI)
    assert response.status_code == 200, response.get_data(as_text=True)


def subjects_meta(client, cid, query=""):
    response = client.get(f"/api/subjects?collection_id={cid}&page_size=2{query}", headers={"Accept": JSONAPI})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["meta"]["subjects"]


def test_the_counted_relations_are_the_writable_link_tables_and_have_triggers(app):
    declared = {}
    for resource in RESOURCES.values():
        for relation in resource.to_many:
            if relation.link_table and relation.mode != READ_ONLY:
                declared.setdefault(relation.parent_column.table.name, set()).add(relation.parent_column.name)
                assert relation.counter is not None, (resource.type, relation.name)
    assert declared == {table: set(columns) for table, columns in COUNTED.items()}
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            rows = db.session.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
        else:
            rows = db.session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        names = {row[0] for row in rows}
    for table, columns in COUNTED.items():
        for column in columns:
            assert {f"member_counts_{table}_{column}_{kind}" for kind in ("insert", "delete", "update")} <= names


def test_adding_and_removing_links_in_both_dialects(app, client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice)
    s1, s2, s3 = (create_subject(client, alice) for _ in range(3))
    link(client, alice, cid, s1, s2)
    assert counter(app, "collection_subjects.collection_id", cid) == 2
    # JSON:API: POST adds what is missing (s2 is there), DELETE removes what is present
    response = client.post(f"/api/collections/{cid}/relationships/subjects", headers=alice.jsonapi(),
                           data=json.dumps({"data": [{"type": "subjects", "id": s2}, {"type": "subjects", "id": s3}]}),
                           content_type=JSONAPI)
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert counter(app, "collection_subjects.collection_id", cid) == 3
    # a refused duplicate (Panoptes) changes nothing
    response = client.post(f"/api/collections/{cid}/links/subjects", headers=alice.panoptes(),
                           data=json.dumps({"subjects": [s1]}), content_type=JSONAPI)
    assert response.status_code == 400
    assert counter(app, "collection_subjects.collection_id", cid) == 3
    response = client.delete(f"/api/collections/{cid}/links/subjects/{s1},{s3}", headers=alice.panoptes())
    assert response.status_code == 204
    assert counter(app, "collection_subjects.collection_id", cid) == 1
    response = client.patch(f"/api/collections/{cid}/relationships/subjects", headers=alice.jsonapi(),
                            data=json.dumps({"data": [{"type": "subjects", "id": s} for s in (s1, s2, s3)]}),
                            content_type=JSONAPI)
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert counter(app, "collection_subjects.collection_id", cid) == 3
    response = client.patch(f"/api/collections/{cid}/relationships/subjects", headers=alice.jsonapi(),
                            data=json.dumps({"data": []}), content_type=JSONAPI)
    assert response.status_code in (200, 204)
    assert ("collection_subjects.collection_id", int(cid)) not in counters(app)   # no members, no row
    assert_exact(app)


def test_atomic_operations_count_and_a_failed_one_changes_nothing(app, client, people):
    alice = people.user("alice")
    made = post(client, alice, ops(add("collections", {"display_name": "Trees"}, lid="c"),
                                   *[add("subjects", SUBJECT, lid=f"s{n}") for n in range(3)]))
    assert made.status_code == 200, made.get_data(as_text=True)
    cid, *sids = (r["data"]["id"] for r in made.get_json()["atomic:results"])
    ref = {"type": "collections", "id": cid, "relationship": "subjects"}
    response = post(client, alice, ops({"op": "add", "ref": ref, "data": [{"type": "subjects", "id": s} for s in sids]},
                                       {"op": "remove", "ref": ref, "data": [{"type": "subjects", "id": sids[0]}]}))
    assert response.status_code == 204, response.get_data(as_text=True)
    assert counter(app, "collection_subjects.collection_id", cid) == 2
    response = post(client, alice, ops({"op": "remove", "ref": ref, "data": [{"type": "subjects", "id": sids[1]}]},
                                       add("collections", {"display_name": "Bad", "private": "no"})))
    assert response.status_code == 422
    assert counter(app, "collection_subjects.collection_id", cid) == 2
    assert_exact(app)


def test_a_manifest_import_counts_its_bulk_inserted_images(app, runner, client, people):
    owner = people.user("owner")
    cid = create_collection(client, owner, "Manuscripts")
    result = runner.invoke(args=["import-manifest", cid, os.path.join(FIXTURES, "v2-florus-empty-canvases.json"),
                                 "--as", owner.login])
    assert result.exit_code == 0, result.output
    set_id = int(result.output.strip().splitlines()[-1])
    assert counter(app, "image_set_images.image_set_id", set_id) == 238
    assert_exact(app)
    response = client.get(f"/api/collections/{cid}/image-sets/{set_id}/relationships/images?page[size]=5",
                          headers=owner.jsonapi())
    meta = response.get_json()["meta"]["images"]
    assert (meta["count"], meta["count_source"], meta["page_count"]) == (238, "counter", 48)


def test_cascades_deleting_a_subject_in_two_collections_and_a_collection(app, client, people):
    alice = people.user("alice")
    c1, c2 = create_collection(client, alice, "One"), create_collection(client, alice, "Two")
    s1, s2, s3 = (create_subject(client, alice) for _ in range(3))
    link(client, alice, c1, s1, s2, s3)
    link(client, alice, c2, s2, s1)
    response = client.delete(f"/api/subjects/{s1}", headers=alice.jsonapi())
    assert response.status_code == 204, response.get_data(as_text=True)
    assert (subjects_of(app, c1), subjects_of(app, c2)) == (2, 1)
    response = client.delete(f"/api/collections/{c1}", headers=alice.jsonapi())
    assert response.status_code == 204
    assert ("collection_subjects.collection_id", int(c1)) not in counters(app)
    assert counter(app, "collection_subjects.collection_id", c2) == 1
    with app.app_context():  # Core statements outside the processor too
        db.session.execute(insert(CollectionSubject), [{"collection_id": int(c2), "subject_id": int(s3)}])
        db.session.execute(delete(Subject).where(Subject.id == int(s2)))
        db.session.commit()
    assert counter(app, "collection_subjects.collection_id", c2) == 1
    assert_exact(app)


def test_moving_link_rows_to_another_parent(app, client, people):
    alice = people.user("alice")
    c1, c2 = create_collection(client, alice, "One"), create_collection(client, alice, "Two")
    s1, s2 = create_subject(client, alice), create_subject(client, alice)
    link(client, alice, c1, s1, s2)
    with app.app_context():
        db.session.execute(CollectionSubject.__table__.update().where(CollectionSubject.subject_id == int(s1))
                           .values(collection_id=int(c2)))
        db.session.execute(CollectionSubject.__table__.update().values(subject_id=CollectionSubject.subject_id))
        db.session.commit()
    assert (subjects_of(app, c1), subjects_of(app, c2)) == (1, 1)
    assert_exact(app)


def test_replacing_a_sets_items_counts_the_draft_and_the_shown_items(app, client, people):
    alice = people.user("alice")
    layers = [create_item(client, alice, title=f"Layer {n}") for n in range(4)]
    data = create_set(client, alice, items=[("layers", layers[0]), ("layers", layers[1])])
    set_id = data["id"]
    assert counter(app, "set_items.set_id", set_id) == 2
    body = {"data": [{"type": "layers", "id": i} for i in layers[1:]]}
    response = send(client, "PATCH", f"/api/sets/{set_id}/relationships/items", alice, body)
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert counter(app, "set_items.set_id", set_id) == 3
    assert_exact(app)
    response = client.get(f"/api/sets/{set_id}/relationships/items?page[size]=2", headers=alice.jsonapi())
    meta = response.get_json()["meta"]["items"]
    assert (meta["count"], meta["count_source"], meta["page_count"]) == (3, "counter", 2)


def test_meta_says_where_the_count_was_read(app, client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice)
    sids = [create_subject(client, alice) for _ in range(3)]
    link(client, alice, cid, *sids)
    meta = subjects_meta(client, cid)
    assert (meta["count"], meta["count_source"], meta["page_count"]) == (3, "counter", 2)
    meta = subjects_meta(client, cid, "&filter[owner]=nobody")   # another filter narrows the list: its rows count
    assert (meta["count"], meta["count_source"]) == (0, "rows")
    meta = subjects_meta(client, cid, "&page[after]=")   # a cursor page has no count
    assert (meta["count"], meta["count_source"]) == (None, None)
    panoptes = client.get(f"/api/subjects?collection_id={cid}&page_size=2", headers={"Accept": JSONAPI + "; version=1"})
    assert panoptes.get_json()["meta"]["subjects"]["count_source"] == "counter"
    # a private collection's members, asked by someone who may not see it: none, from the counters too
    response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(), content_type=JSONAPI,
                            data=json.dumps(jsonapi_body("collections", {"private": True}, id_=cid)))
    assert response.status_code == 200, response.get_data(as_text=True)
    meta = subjects_meta(client, cid)
    assert (meta["count"], meta["count_source"]) == (0, "counter")


def test_an_image_sets_images_count_for_a_caller_who_sees_them_through_the_set(app, client, people):
    """Images are visible through a visible set: a collection member who made none of them sees them all."""
    owner, viewer = people.user("owner"), people.user("viewer")
    from tests.reading_seed import grant_role
    cid = create_collection(client, owner, "Shared")
    grant_role(client, owner, cid, viewer, ["viewer"])
    response = client.post(f"/api/collections/{cid}/image-sets", headers=owner.jsonapi(), content_type=JSONAPI,
                           data=json.dumps(jsonapi_body("image_sets", {"name": "Set"})))
    assert response.status_code == 201, response.get_data(as_text=True)
    set_id = response.get_json()["data"]["id"]
    ids = []
    for n in range(3):
        response = client.post("/api/images", headers=owner.jsonapi(), content_type=JSONAPI, data=json.dumps(
            jsonapi_body("images", {"name": f"i{n}", "uri": f"https://img.example.org/{n}.jpg"})))
        assert response.status_code == 201, response.get_data(as_text=True)
        ids.append(response.get_json()["data"]["id"])
    response = client.post(f"/api/collections/{cid}/image-sets/{set_id}/relationships/images", headers=owner.jsonapi(),
                           content_type=JSONAPI, data=json.dumps({"data": [{"type": "images", "id": i} for i in ids]}))
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    for path in (f"/api/images?image_set_id={set_id}&page_size=2",
                 f"/api/collections/{cid}/image-sets/{set_id}/images?page[size]=2"):
        response = client.get(path, headers=viewer.jsonapi())
        assert response.status_code == 200, response.get_data(as_text=True)
        doc = response.get_json()
        assert (doc["meta"]["images"]["count"], doc["meta"]["images"]["count_source"]) == (3, "counter")
        assert [d["id"] for d in doc["data"]] == ids[:2]
    response = client.get(f"/api/images?image_set_id={set_id}", headers={"Accept": JSONAPI})   # anonymous: unpublished
    assert response.get_json()["meta"]["images"]["count"] == 0


def _fresh_database_url():
    """A database of its own: a new SQLite file, or a new PostgreSQL database beside the test one."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="hyperapi-backfill-"), "backfill.sqlite3")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_backfill"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def test_the_migration_backfills_existing_links():
    app = create_app({"SQLALCHEMY_DATABASE_URI": _fresh_database_url()})
    now = "'2026-01-01 00:00:00+00'"
    with app.app_context():
        upgrade(revision="0010_annotations")
        db.session.execute(text(f"INSERT INTO users (id, login, display_name, email, admin, password_hash, "
                                f"created_at, updated_at, lock_version) VALUES (1, 'a', 'A', 'a@x', false, '', "
                                f"{now}, {now}, 1)"))
        for cid in (1, 2):
            db.session.execute(text(f"INSERT INTO collections (id, name, display_name, description, private, "
                                    f"favorite, owner_user_id, created_at, updated_at, lock_version) VALUES (:i, 'c', "
                                    f"'C', '', false, false, 1, {now}, {now}, 1)"), {"i": cid})
        for sid in range(1, 6):
            db.session.execute(text(f"INSERT INTO subjects (id, locations, metadata, owner_user_id, created_at, "
                                    f"updated_at, lock_version) VALUES (:i, '[]', '{{}}', 1, {now}, {now}, 1)"),
                               {"i": sid})
        for cid, sid in [(1, s) for s in range(1, 6)] + [(2, 3)]:
            db.session.execute(text("INSERT INTO collection_subjects (collection_id, subject_id) VALUES (:c, :s)"),
                               {"c": cid, "s": sid})
        db.session.commit()
        upgrade()
        assert "member_counts" in inspect(db.engine).get_table_names()
        found = dict(db.session.execute(select(MemberCount.parent_id, MemberCount.members)
                                        .where(MemberCount.relation == "collection_subjects.collection_id")).all())
        assert found == {1: 5, 2: 1}
        db.session.execute(delete(Collection).where(Collection.id == 1))   # the triggers run from then on
        db.session.commit()
        assert db.session.execute(select(MemberCount.parent_id, MemberCount.members)).all() == [(2, 1)]
        db.session.remove()
        db.engine.dispose()
