"""A plain hand-written endpoint over the benchmark's rows: three Core statements and flat dicts encoded
with orjson (no JSON:API document: what a quick private endpoint would return)."""
import os

import orjson
from flask import Flask, Response, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])


@app.get("/collections")
def collections():
    size = min(int(request.args.get("page[size]", 20)), 100)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT c.id, c.display_name, c.name, c.owner_user_id, u.login, c.description, c.created_at, "
                                 "c.updated_at, c.private FROM collections c "
                                 "LEFT JOIN users u ON u.id = c.owner_user_id ORDER BY c.id LIMIT :n"), {"n": size}).all()
        ids = [r[0] for r in rows]
        members = {}
        subjects = {}
        if ids:
            marks = ",".join(str(int(i)) for i in ids)
            for cid, sid, locations, metadata, created in conn.execute(text(
                    "SELECT cs.collection_id, s.id, s.locations, s.metadata, s.created_at FROM collection_subjects cs "
                    "JOIN subjects s "
                    f"ON s.id = cs.subject_id WHERE cs.collection_id IN ({marks}) ORDER BY cs.id")):
                members.setdefault(cid, []).append(sid)
                subjects[sid] = {"id": sid, "locations": orjson.loads(locations), "metadata": orjson.loads(metadata),
                                 "created_at": created}
    body = {"collections": [{"id": r[0], "display_name": r[1], "name": r[2], "owner": r[4], "description": r[5],
                             "created_at": r[6], "updated_at": r[7], "private": bool(r[8]),
                             "subjects": [subjects[s] for s in members.get(r[0], [])]} for r in rows]}
    return Response(orjson.dumps(body), content_type="application/json")
