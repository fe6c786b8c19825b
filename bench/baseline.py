"""The hand-written baseline: ``GET /api/collections?include=owner,subjects`` without the engine.

The same page of public collections, their owners, their subject links and the subjects, read with
SQLAlchemy Core (one statement per table) and written straight into dicts that orjson encodes: no
schemas, no registry, no generic code. It answers what an anonymous caller sees, with the document the
API gives for that request (JSON:API dialect), so that the benchmark compares like with like; the
benchmark checks that both documents are equal before it measures.

Mounted at ``/bench/baseline/collections`` (``page[size]``/``page_size``, ``page[number]``/``page``).
Not part of the application: only ``bench/`` registers it.
"""
import math

import orjson
from flask import Blueprint, request
from sqlalchemy import false, func, select
from werkzeug.wrappers import Response

from app.extensions import db
from app.models import Collection, CollectionSubject, Subject, User, UserGroup

baseline = Blueprint("bench_baseline", __name__, url_prefix="/bench/baseline")

C, CS, S, U, G = (Collection.__table__, CollectionSubject.__table__, Subject.__table__, User.__table__,
                  UserGroup.__table__)


def _ts(value):
    return value.isoformat(timespec="milliseconds") + "Z"


def _int_arg(*names, default):
    for name in names:
        value = request.args.get(name)
        if value:
            return max(1, int(value))
    return default


def _rel(url, name, data=None, with_data=True):
    rel = {"links": {"self": url + "/links/" + name, "related": url + "/" + name}}
    if with_data:
        rel["data"] = data
    return rel


@baseline.get("/collections")
def collections():
    size = min(_int_arg("page[size]", "page_size", default=20), 100)
    page = _int_arg("page[number]", "page", default=1)
    root = request.host_url + "api"
    visible = C.c.private == false()

    total = db.session.execute(select(func.count()).select_from(C).where(visible)).scalar_one()
    rows = db.session.execute(
        select(C.c.id, C.c.created_at, C.c.updated_at, C.c.display_name, C.c.name, C.c.description, C.c.private,
               C.c.favorite, C.c.owner_user_id, C.c.owner_group_id, C.c.default_subject_id)
        .where(visible).order_by(C.c.id).limit(size).offset((page - 1) * size)
    ).all()
    page_ids = [r[0] for r in rows]

    links = db.session.execute(
        select(CS.c.collection_id, CS.c.subject_id).where(CS.c.collection_id.in_(page_ids))
        .order_by(CS.c.collection_id, CS.c.id)
    ).all()
    members = {cid: [] for cid in page_ids}
    for cid, sid in links:
        members[cid].append(sid)

    user_ids = list(dict.fromkeys(r[8] for r in rows if r[8] is not None))
    group_ids = list(dict.fromkeys(r[9] for r in rows if r[9] is not None))
    users = {r[0]: r for r in db.session.execute(
        select(U.c.id, U.c.created_at, U.c.updated_at, U.c.login, U.c.display_name, U.c.admin)
        .where(U.c.id.in_(user_ids)))}
    groups = {r[0]: r for r in db.session.execute(
        select(G.c.id, G.c.created_at, G.c.updated_at, G.c.name, G.c.display_name).where(G.c.id.in_(group_ids)))}

    subject_ids = list(dict.fromkeys(sid for cid in page_ids for sid in members[cid]))
    subjects = {r[0]: r for r in db.session.execute(
        select(S.c.id, S.c.created_at, S.c.updated_at, S.c.locations, S.c.metadata, S.c.owner_user_id,
               S.c.owner_group_id).where(S.c.id.in_(subject_ids)))}

    data = []
    for r in rows:
        cid = r[0]
        url = f"{root}/collections/{cid}"
        first = r[10] if r[10] is not None else (members[cid][0] if members[cid] else None)
        src = None
        if first is not None and first in subjects:
            locations = subjects[first][3]
            if locations and locations[0]:
                src = next(iter(locations[0].values()))
        owner = {"type": "users", "id": str(r[8])} if r[8] is not None else {"type": "user_groups", "id": str(r[9])}
        subject_rel = _rel(url, "subjects", [{"type": "subjects", "id": str(s)} for s in members[cid]])
        subject_rel["meta"] = {"count": len(members[cid])}
        data.append({
            "type": "collections",
            "id": str(cid),
            "attributes": {"created_at": _ts(r[1]), "updated_at": _ts(r[2]), "display_name": r[3], "name": r[4],
                           "description": r[5], "private": r[6], "favorite": r[7], "default_subject_src": src,
                           "policies": [],
                           "slug": f"{users[r[8]][3] if r[8] is not None else groups[r[9]][3]}/{r[4]}"},
            "relationships": {
                "owner": _rel(url, "owner", owner),
                "subjects": subject_rel,
                "default_subject": _rel(url, "default_subject",
                                        None if r[10] is None else {"type": "subjects", "id": str(r[10])}),
            },
            "links": {"self": url, "iiif_collection": f"{root}/iiif/collections/{cid}"},
        })

    included = []
    for uid in user_ids:
        u = users[uid]
        url = f"{root}/users/{uid}"
        included.append({"type": "users", "id": str(uid),
                         "attributes": {"created_at": _ts(u[1]), "updated_at": _ts(u[2]), "login": u[3],
                                        "display_name": u[4], "admin": u[5]},
                         "relationships": {"user_groups": _rel(url, "user_groups", with_data=False)},
                         "links": {"self": url}})
    for gid in group_ids:
        g = groups[gid]
        url = f"{root}/user_groups/{gid}"
        included.append({"type": "user_groups", "id": str(gid),
                         "attributes": {"created_at": _ts(g[1]), "updated_at": _ts(g[2]), "name": g[3],
                                        "display_name": g[4]},
                         "relationships": {"users": _rel(url, "users", with_data=False)},
                         "links": {"self": url}})
    for sid in subject_ids:
        s = subjects[sid]
        url = f"{root}/subjects/{sid}"
        owner = {"type": "users", "id": str(s[5])} if s[5] is not None else {"type": "user_groups", "id": str(s[6])}
        included.append({"type": "subjects", "id": str(sid),
                         "attributes": {"created_at": _ts(s[1]), "updated_at": _ts(s[2]), "locations": s[3],
                                        "metadata": s[4]},
                         "relationships": {"owner": _rel(url, "owner", owner),
                                           "collections": _rel(url, "collections", with_data=False)},
                         "links": {"self": url}})

    page_count = math.ceil(total / size) if total else 0

    def href(number):
        return f"{root}/collections?page[number]={number}&page[size]={size}&include=owner,subjects"

    previous_page = min(page - 1, page_count) if page > 1 and page_count else None
    next_page = page + 1 if page < page_count else None
    paging = {"page": page, "page_size": size, "count": total, "count_source": "rows",
              "include": ["owner", "subjects"],
              "page_count": page_count, "previous_page": previous_page, "next_page": next_page,
              "first_href": href(1), "previous_href": href(previous_page) if previous_page else None,
              "next_href": href(next_page) if next_page else None, "last_href": href(max(page_count, 1))}
    top_links = {"self": request.url, "describedby": root + "/openapi.json"}
    for key, name in (("first", "first"), ("prev", "previous"), ("next", "next"), ("last", "last")):
        if paging[name + "_href"]:
            top_links[key] = paging[name + "_href"]
    types = ["collections"] + (["users"] if user_ids else []) + (["user_groups"] if group_ids else []) + \
        (["subjects"] if subject_ids else [])
    doc = {"jsonapi": {"version": "1.1"}, "data": data, "included": included, "links": top_links,
           "meta": {"collections": paging, "link_templates": {t: _templates(root)[t] for t in types}}}
    return Response(orjson.dumps(doc), content_type="application/vnd.api+json")


def _templates(root):
    return {
        "collections": {
            "owner": {"href": root + "/collections/{collections.id}/owner", "type": "owners"},
            "subjects": {"href": root + "/subjects?collection_id={collections.id}", "type": "subjects"},
            "default_subject": {"href": root + "/collections/{collections.id}/default_subject", "type": "subjects"},
            "iiif_collection": {"href": root + "/iiif/collections/{collections.id}", "type": "iiif_collections"},
        },
        "users": {"user_groups": {"href": root + "/user_groups?user_id={users.id}", "type": "user_groups"}},
        "user_groups": {"users": {"href": root + "/users?user_group_id={user_groups.id}", "type": "users"}},
        "subjects": {
            "owner": {"href": root + "/subjects/{subjects.id}/owner", "type": "owners"},
            "collections": {"href": root + "/collections?subject_id={subjects.id}", "type": "collections"},
        },
    }
