"""Big lists as fast as small ones: pages of a 100,000-member relation against a 10-member one.

    .venv/bin/python bench/paging_bench.py [--members 100000] [--repeat 7] [--before-root /work/main]
    bash scripts/with-postgres.sh .venv/bin/python bench/paging_bench.py --database-env TEST_DATABASE_URL

Seeds (Core executemany, not the API) a collection of ``--members`` subjects and one of 10, an image set of
``--members`` images and one of 10, and a set of ``--members`` layers and one of 10; serves the application
with gunicorn (one sync worker) on 127.0.0.1 and an ephemeral port, and times (median of ``--repeat``
warm requests, page size 10) the first page, a page in the middle and the last page, by page number and by
cursor, of:

* ``/api/subjects?collection_id=N`` (the ``collections.subjects`` template), unsorted and by each sort;
* ``/api/collections/N/relationships/subjects`` and ``/api/collections/N/subjects``;
* the same for an image set's ``images`` (and ``/api/images?image_set_id=N``) and a set's ``items``.

The middle page's cursor is made here the way the server makes one (``app.engine.cursors``, the same
secret) from the row at that position; the last page by cursor is ``page[before]=``. Each row shows the
small and the big relation's time and their ratio; the target is ratio ≤ 1.5 for every cursor page and
for the first numbered page (deep numbered pages are shown as they are). With ``--before-root`` the same
numbered-page requests are then served by that checkout's code (the main branch) on the same data with the
schema downgraded to that checkout's head migration, side by side in the table.
"""
import argparse
import os
import statistics
import sys
import time
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert, select, text  # noqa: E402

from bench.common import JSONAPI, Server, TempDatabase, _stamps, make_app, migrate, seed_collections, seed_people  # noqa: E402

SECRET = "bench-only"
SIZE = 10
TARGET = 1.5
SUBJECT_SORTS = ["", "created_at", "-created_at", "updated_at", "-updated_at", "-id"]


def seed(app, n):
    """Returns {family: (small id, big id)}, the owner's token, and the ids the URLs need."""
    from app.auth import issue_token
    from app.engine.relations import insert_links  # one statement per chunk: the counters' trigger runs once
    from app.extensions import db
    from app.models import Image, ImageSet, ImageSetImage, Layer, SetItem, User

    with app.app_context():
        user_ids, _groups = seed_people(users=2, groups=1)
        owner = user_ids[0]
        big = seed_collections(1, n, user_ids, [])[0]
        small = seed_collections(1, 10, user_ids, [])[0]
        ids = {"collections": (small, big)}
        # image sets inside the big collection (public, owned by the owner)
        sets = []
        for name, count in (("small", 10), ("big", n)):
            db.session.execute(insert(ImageSet), [{"collection_id": big, "creator_id": owner, "name": name,
                                                   "description": "", "attribution": "", **_stamps(0)}])
            set_id = db.session.scalar(select(ImageSet.id).order_by(ImageSet.id.desc()).limit(1))
            start = db.session.scalar(select(Image.id).order_by(Image.id.desc()).limit(1)) or 0
            for offset in range(0, count, 20000):
                db.session.execute(insert(Image), [
                    {"creator_id": owner, "name": f"image {k}", "description": "", "uri": f"https://img.example.org/{k}.jpg",
                     "kind": "image", "weight": k, "metadata": [], **_stamps(k)}
                    for k in range(offset, min(count, offset + 20000))])
            image_ids = db.session.scalars(select(Image.id).where(Image.id > start).order_by(Image.id)).all()
            for offset in range(0, len(image_ids), 20000):
                insert_links(ImageSetImage.__table__, [{"image_set_id": set_id, "image_id": i}
                                                       for i in image_ids[offset:offset + 20000]])
            sets.append(set_id)
        ids["image_sets"] = tuple(sets)
        user = db.session.get(User, owner)
        token, _ = issue_token(user)
        db.session.commit()
    # sets through the API (their versions and content), then their items in bulk
    client = app.test_client()
    set_ids = []
    for title in ("small", "big"):
        response = client.post("/api/sets/", headers={"Accept": JSONAPI, "Authorization": f"Bearer {token}"},
                               content_type=JSONAPI, json={"data": {"type": "sets", "attributes": {
                                   "title": title, "description": "bench", "items": []}}})
        assert response.status_code == 201, response.get_data(as_text=True)
        set_ids.append(int(response.get_json()["data"]["id"]))
    with app.app_context():
        for set_id, count in zip(set_ids, (10, n)):
            start = db.session.scalar(select(Layer.id).order_by(Layer.id.desc()).limit(1)) or 0
            for offset in range(0, count, 20000):
                db.session.execute(insert(Layer), [
                    {"title": f"layer {k}", "description": "", "owner_user_id": owner, "owner_group_id": None,
                     **_stamps(k)} for k in range(offset, min(count, offset + 20000))])
            layer_ids = db.session.scalars(select(Layer.id).where(Layer.id > start).order_by(Layer.id)).all()
            for offset in range(0, len(layer_ids), 20000):
                insert_links(SetItem.__table__, [{"set_id": set_id, "layer_id": i, "table_id": None,
                                                  "document_id": None} for i in layer_ids[offset:offset + 20000]])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    ids["sets"] = tuple(set_ids)
    return ids, token


def endpoints(ids):
    """(family, label, path with {id}, filter forms of {id}, sorts, key query (id, sort, position) → values)."""
    from app.models import CollectionSubject as CS, Image, ImageSetImage as ISI, SetItem, Subject

    subjects, images = Subject.__table__, Image.__table__

    def link_key(table, parent):
        return lambda pid, sort, pos: select(table.c.id).where(parent == pid).order_by(table.c.id).offset(pos).limit(1)

    def member_key(target, parent, member):
        def query(pid, sort, pos):
            keys = []
            for item in filter(None, sort.split(",")):
                column = target.c[item.lstrip("-")]
                keys.append(column.desc() if item.startswith("-") else column.asc())
                if item.lstrip("-") == "id":
                    break
            else:
                keys.append(target.c.id.asc())
            columns = [k.element for k in keys]
            return (select(*columns).where(target.c.id.in_(select(member).where(parent == pid)))
                    .order_by(*keys).offset(pos).limit(1))
        return query

    cs, isi, si = CS.__table__, ISI.__table__, SetItem.__table__
    return [
        ("collections", "subjects?collection_id", "/api/subjects", "collection_id", SUBJECT_SORTS,
         member_key(subjects, cs.c.collection_id, cs.c.subject_id)),
        ("collections", "relationships/subjects", "/api/collections/{id}/relationships/subjects", None, [""],
         link_key(cs, cs.c.collection_id)),
        ("collections", "related subjects", "/api/collections/{id}/subjects", None, [""],
         link_key(cs, cs.c.collection_id)),
        ("image_sets", "images?image_set_id", "/api/images", "image_set_id", [""],
         member_key(images, isi.c.image_set_id, isi.c.image_id)),
        ("image_sets", "relationships/images", "/api/collections/{cid}/image-sets/{id}/relationships/images", None,
         [""], link_key(isi, isi.c.image_set_id)),
        ("image_sets", "related images", "/api/collections/{cid}/image-sets/{id}/images", None, [""],
         link_key(isi, isi.c.image_set_id)),
        ("sets", "relationships/items", "/api/sets/{id}/relationships/items", None, [""],
         link_key(si, si.c.set_id)),
        ("sets", "related items", "/api/sets/{id}/items", None, [""], link_key(si, si.c.set_id)),
    ]


def url(path, parent, cid, filter_key, sort, extra):
    path = path.format(id=parent, cid=cid)
    pairs = [(filter_key, str(parent))] if filter_key else []
    if sort:
        pairs.append(("sort", sort))
    pairs += extra
    return path, path + "?" + "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in pairs)


def timed(server, target, token, repeat):
    server.get(target, token=token)  # warm
    times, status, count = [], None, None
    for _ in range(repeat):
        start = time.perf_counter()
        status, headers, _body = server.get(target, token=token)
        times.append((time.perf_counter() - start) * 1000)
        count = headers.get("X-Query-Count")
    if status != 200:
        raise RuntimeError(f"GET {target} answered {status}: {_body[:300]!r}")
    return statistics.median(times), count


def plan(app, ids, n):
    """Every request to time: (key, small url, big url), key = (family, label, sort, mode, position)."""
    from app.engine import cursors
    from app.extensions import db

    cid = ids["collections"][1]
    requests = []
    with app.app_context():
        for family, label, path, filter_key, sorts, key_query in endpoints(ids):
            small, big = ids[family]
            for sort in sorts:
                for mode in ("number", "cursor"):
                    for position in ("first", "middle", "last"):
                        pair = []
                        for parent, count in ((small, 10), (big, n)):
                            if mode == "number":
                                page = {"first": 1, "middle": count // SIZE // 2 + 1, "last": -(-count // SIZE)}[position]
                                extra = [("page[size]", str(SIZE)), ("page[number]", str(page))]
                            elif position == "first":
                                extra = [("page[size]", str(SIZE)), ("page[after]", "")]
                            elif position == "last":
                                extra = [("page[size]", str(SIZE)), ("page[before]", "")]
                            else:
                                values = list(db.session.execute(key_query(parent, sort, count // 2)).one())
                                forms = [(filter_key, filter_key, str(parent))] if filter_key else []
                                list_path = path.format(id=parent, cid=cid)
                                token = cursors.encode(SECRET, cursors.list_scope(list_path, sort, forms), values)
                                extra = [("page[size]", str(SIZE)), ("page[after]", token)]
                            pair.append(url(path, parent, cid, filter_key, sort, extra)[1])
                        requests.append(((family, label, sort or "-", mode, position), *pair))
    return requests


def run(server, requests, token, repeat, modes=("number", "cursor")):
    results = {}
    for key, small, big in requests:
        if key[3] not in modes:
            continue
        who = token if key[0] != "collections" else None
        results[key] = (*timed(server, small, who, repeat), *timed(server, big, who, repeat))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-env", help="environment variable holding a PostgreSQL URL (else SQLite)")
    parser.add_argument("--only", help="time only the relations whose label contains this text")
    parser.add_argument("--before-root", help="a checkout (e.g. /work/main) whose code serves the 'before' column")
    args = parser.parse_args(argv)
    n = args.members
    with TempDatabase() as tdb:
        target = os.environ[args.database_env] if args.database_env else tdb.path
        app = make_app(target, with_baseline=False)
        app.config["SECRET_KEY"] = SECRET
        if "postgresql" in target:
            from app.extensions import db
            with app.app_context():
                db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                db.session.commit()
        migrate(app)
        t0 = time.perf_counter()
        ids, token = seed(app, n)
        with app.app_context():
            from app.extensions import db
            engine = f"{db.engine.dialect.name} {db.engine.dialect.server_version_info}"
        print(f"{engine}: seeded 3 relations of {n} members and 3 of 10 in {time.perf_counter() - t0:.1f}s")
        requests = [r for r in plan(app, ids, n) if not args.only or args.only in r[0][1]]
        env = {"SECRET_KEY": SECRET, "DATABASE_URL": target if "://" in target else "sqlite:///" + target,
               "QUERY_COUNT_HEADER": "true", "REQUEST_LOG": "false", "PAGE_SIZE_MAX": "100"}
        with Server(target, app_spec="wsgi:app", env=env) as server:
            after = run(server, requests, token, args.repeat)
        before = {}
        if args.before_root:
            from alembic.script import ScriptDirectory
            from flask_migrate import downgrade
            # the schema that checkout's code expects: its own head migration
            head = ScriptDirectory(os.path.join(os.path.abspath(args.before_root), "migrations")).get_current_head()
            with app.app_context():
                downgrade(revision=head)
                from app.extensions import db
                db.engine.dispose()
            with Server(target, root=os.path.abspath(args.before_root), app_spec="wsgi:app", env=env) as server:
                before = run(server, requests, token, args.repeat, modes=("number",))
    print(f"page size {SIZE}, median of {args.repeat} warm requests, ms; ratio = {n:,} members / 10 members; "
          f"target: ratio <= {TARGET} for cursor pages and first numbered pages")
    head = f"{'relation':<24} {'sort':<12} {'mode':<6} {'page':<6} | {'small':>6} {'big':>7} {'ratio':>6} {'stmts':>5}"
    if before:
        head += f" | {'before: small':>13} {'big':>7} {'ratio':>6}"
    print(head)
    print("-" * len(head))
    misses = 0
    for key, (s_ms, s_q, b_ms, b_q) in after.items():
        family, label, sort, mode, position = key
        ratio = b_ms / s_ms
        checked = mode == "cursor" or position == "first"
        mark = "" if not checked else (" ok" if ratio <= TARGET else " MISS")
        misses += checked and ratio > TARGET
        line = (f"{label:<24} {sort:<12} {mode:<6} {position:<6} | {s_ms:6.1f} {b_ms:7.1f} {ratio:6.2f} "
                f"{s_q + '/' + b_q if s_q != b_q else b_q:>5}")
        if before:
            if key in before:
                bs, _q, bb, _q2 = before[key]
                line += f" | {bs:13.1f} {bb:7.1f} {bb / bs:6.2f}"
            else:
                line += f" | {'-':>13} {'-':>7} {'-':>6}"
        print(line + mark)
    print(f"\n{misses} checked page(s) above the target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
