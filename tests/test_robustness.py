"""Robustness: whatever a client sends, the answer is never a 5xx, and every error is a well-formed error
document of the caller's dialect (API §1: "Bad input never gets a 500").

Property-based (hypothesis, derandomised, bounded example counts) over the app's real routes, in both
dialects, as the owner of the seeded data and anonymously: query strings, arbitrary and near-valid JSON
bodies, raw bodies JSON parsers choke on, headers, path ids that are not ids, and the manifest the IIIF
import reads. The plain regression tests at the end pin each 5xx this sweep found.
"""
import copy
import json
import os
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app.engine.errors import ApiError
from app.engine.negotiation import choose_dialect
from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.image_sets_helpers import create_set, make_image
from tests.annotations_helpers import annotate
from tests import sets_helpers
from tests.reading_seed import grant_role, make_collection
from tests.writing_helpers import assert_jsonapi_error, assert_panoptes_error, create_subject, passwordless_user

# Example counts are fixed for CI; ROBUSTNESS_SCALE=10 multiplies them for a deeper local sweep.
SCALE = float(os.environ.get("ROBUSTNESS_SCALE", "1"))
FUZZ = dict(deadline=None, derandomize=True, database=None, print_blob=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
BODY_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


# -- the seeded world ------------------------------------------------------------------------------------------

class World:
    """A collection with subjects, an image set with images (published), a role and a group, owned by one user;
    seeded again (under new ids) whenever a fuzzed DELETE removed a resource."""

    def __init__(self, app, client):
        self.app, self.client, self.generation = app, client, 0
        self.routes = _routes(app)
        self.seed()

    def seed(self):
        self.generation += 1
        n, client = self.generation, self.client
        owner = passwordless_user(self.app, f"owner{n}")
        other = passwordless_user(self.app, f"other{n}")
        subjects = [create_subject(client, owner, f"https://img.example.org/{n}-{i}.jpg") for i in range(2)]
        cid = make_collection(client, owner, f"Flowers {n}", subjects=subjects, default_subject=subjects[0])
        images = [make_image(client, owner, name=f"image {i}") for i in range(2)]
        set_id = create_set(client, owner, cid, name=f"Set {n}", image_ids=images, allowed_languages=["en", "fr"],
                            published=True)
        role = grant_role(client, owner, cid, other, ["collaborator"])
        group = client.post("/api/user_groups", headers=owner.jsonapi(), content_type=JSONAPI,
                            json=jsonapi_body("user_groups", {"name": f"group{n}", "display_name": f"Group {n}"}))
        assert group.status_code == 201, group.get_json()
        layers = [sets_helpers.create_item(client, owner, "layers", f"Layer {n}-{i}") for i in range(2)]
        table = sets_helpers.create_item(client, owner, "tables", f"Table {n}")
        document = sets_helpers.create_item(client, owner, "documents", f"Document {n}")
        items = [("layers", layers[0]), ("tables", table), ("documents", document)]
        set_of_items, published = sets_helpers.published_set(client, owner, items=items, title=f"Set {n}")
        draft = sets_helpers.new_draft(client, set_of_items, owner)
        grant = sets_helpers.grant(client, set_of_items, owner, f"user.{other.id}", "view")
        task = client.get("/api/publishes/", headers=owner.jsonapi()).get_json()["data"][-1]["id"]
        publications = client.get("/api/publications", headers=owner.jsonapi()).get_json()["data"]
        languages = client.get("/api/languages?filter[code]=en", headers=owner.jsonapi()).get_json()["data"]
        annotation = annotate(client, owner, set_id, images[0])
        self.owner, self.other = owner, other
        self.ids = {"collections": cid, "subjects": subjects[0], "images": images[0], "image_sets": set_id,
                    "collection_roles": role, "users": str(owner.id), "user_groups": group.get_json()["data"]["id"],
                    "publications": publications[-1]["id"], "languages": languages[0]["id"],
                    "layers": layers[0], "tables": table, "documents": document, "sets": set_of_items,
                    "set_versions": draft, "set_permissions": grant, "publishes": task, "annotations": annotation}
        self.members = {"subjects": subjects, "images": images, "collections": [cid], "users": [str(owner.id)],
                        "languages": [languages[0]["id"]], "image_sets": [set_id],
                        "user_groups": [self.ids["user_groups"]], "layers": layers, "set_versions": [published, draft]}

    def path(self, route, id_=None, ids=None):
        """The route's URL with the seeded ids (or the given stand-ins)."""
        text = route["rule"].replace("<resid:collection_id>", str(self.ids["collections"]))
        text = text.replace("<resid:set_id>", str(self.ids["sets"]))
        text = text.replace("<resid:image_set_id>", str(self.ids["image_sets"]))
        text = text.replace("<resid:id>", str(self.ids.get(route["type"], 1)) if id_ is None else id_)
        if "<ids>" in text:
            text = text.replace("<ids>", ",".join(self.members.get(route["target"], ["1"])) if ids is None else ids)
        return text

    def headers(self, panoptes, owner, **extra):
        headers = {"Accept": PANOPTES if panoptes else JSONAPI}
        if owner:
            headers["Authorization"] = f"Bearer {self.owner.token}"
        headers.update(extra)
        return {k: v for k, v in headers.items() if v is not None}

    def after(self, method, route, response):
        if method == "DELETE" and response.status_code < 300 and route["kind"] == "member":
            self.seed()


def _routes(app):
    from app.engine.registry import RESOURCES
    from app.engine.routes import route_of

    routes = []
    for rule in app.url_map.iter_rules():
        text = rule.rule
        if not text.startswith("/api") and not text.startswith("/oauth"):
            continue
        parts = text.split("/")
        # what each rule serves is recorded when it is added (app/engine/routes.py)
        route = route_of(rule.endpoint)
        type_ = route.resource.type if route is not None else None
        rel = (rule.defaults or {}).get("rel")
        if "import" in parts:
            kind = "import"
        elif "<ids>" in text:
            kind = "unlink"
        elif rel and "links" in parts:
            kind = "links"
        elif rel and "relationships" in parts:
            kind = "relationships"
        elif rel:
            kind = "related"
        elif text.endswith("<resid:id>"):
            kind = "member"
        elif type_ in RESOURCES:
            kind = "collection"
        else:
            kind = "other"
        target = None
        if rel:
            relation = RESOURCES[type_].relations[rel]
            target = relation.types[0]
        routes.append({"rule": text, "methods": sorted(rule.methods - {"OPTIONS"}), "type": type_, "rel": rel,
                       "kind": kind, "target": target, "many": bool(rel) and RESOURCES[type_].relations[rel].many})
    return routes


@pytest.fixture
def world(app, client):
    return World(app, client)


# -- what every answer must be -----------------------------------------------------------------------------------

def check_answer(response, headers, path="", method="GET"):
    status = response.status_code
    where = f"{method} {path} {headers!r}"
    assert status < 500, (where, status, response.get_data(as_text=True)[:2000])
    if status < 400 or path.startswith("/oauth") or method == "HEAD":
        return
    accept = headers.get("Accept")
    chosen = choose_dialect(accept, True)
    panoptes = not isinstance(chosen, ApiError) and chosen.panoptes
    try:
        doc = json.loads(response.get_data())
    except ValueError:
        raise AssertionError((where, status, "error body is not JSON", response.get_data()[:500]))
    if panoptes:
        assert response.headers.get("Content-Type") == PANOPTES, (where, response.headers)
        assert isinstance(doc, dict) and list(doc) == ["errors"] and doc["errors"], (where, doc)
        for error in doc["errors"]:
            assert list(error) == ["message"] and isinstance(error["message"], str) and error["message"], (where, doc)
    else:
        assert response.headers.get("Content-Type") == JSONAPI, (where, response.headers)
        assert isinstance(doc, dict) and doc.get("errors") and set(doc) <= {"errors", "jsonapi", "meta", "links"}, \
            (where, doc)
        for error in doc["errors"]:
            assert re.fullmatch(r"[1-5]\d\d", error.get("status", "")), (where, doc)
            assert isinstance(error.get("title"), str) and error["title"], (where, doc)
            assert isinstance(error.get("detail"), str) and error["detail"], (where, doc)
            source = error.get("source")
            if source is not None:
                assert len(source) == 1 and set(source) <= {"pointer", "parameter", "header"}, (where, doc)
                if "pointer" in source:
                    assert source["pointer"] == "" or source["pointer"].startswith("/"), (where, doc)


def send(world, method, path, *, headers, body=None, query_string=None):
    kwargs = {"headers": headers}
    if body is not None:
        kwargs["data"] = body
    if query_string is not None:
        kwargs["query_string"] = query_string
    response = world.client.open(path, method=method, **kwargs)
    check_answer(response, headers, path, method)
    return response


# -- strategies -------------------------------------------------------------------------------------------------

# Text str.isdigit() accepts but int() does not read (superscripts, circled digits), digits int() reads that are
# not ASCII, and more digits than int() converts.
DIGITISH = ["\u00b2", "1\u00b2", "\u2460", "\u0661", "\uff11", "\U0001d7d9", "1" * 5000, "0" * 30 + "1"]
HUGE = ["9" * 30, "9223372036854775808", "9223372036854775807", "18446744073709551616", "-9223372036854775809"]
ODD_TEXT = ["", " ", "%00", "%ff", "%C3%28", "%E2%82", "%", "%zz", "%2C", "a%2Cb", "[", "]", "[]", "[[x]]", "\u00e9",
            "\U0001d518\u00f1\u00ed", "\u202e", "\ufeff", "\u00b2", "\u2460", "\u0661", "\uff11", "1\u00b2", "NaN",
            "Infinity", "-inf", "1e309", "1e3", "0x10", "1_000", "-1", "0", "01", "1.5", " 1", "1 ", "+1", "null",
            "true", "*", ",", ",,", "1,,2", ".", "..", "a.b.c.d.e", "\\", "'", '"', ";", "=", "&", "#", "<script>"]


@st.composite
def query_pairs(draw, route_type):
    from app.engine.registry import RESOURCES

    resource = RESOURCES.get(route_type)
    relation_names = (sorted(resource.relations) if resource else []) or ["owner", "subjects"]
    filter_names = sorted(resource.filters) if resource else ["owner"]
    sort_names = sorted(resource.sorts) if resource else ["id"]
    all_filters = sorted({name for r in RESOURCES.values() for name in r.filters})
    keys = st.one_of(
        st.sampled_from(["include", "sort", "page", "page_size", "page[number]", "page[size]", "page[]",
                         "page[offset]", "fields", "fields[]", "http_cache", "admin", "filter", "filter[]",
                         "filter[a][b]", "include[]", "sort[x]"]),
        st.builds(lambda t: f"fields[{t}]", st.sampled_from(sorted(RESOURCES) + ["nope", ""])),
        st.builds(lambda f: f"filter[{f}]", st.sampled_from(all_filters + ["nope", "id"])),
        st.sampled_from(all_filters),
        st.sampled_from(filter_names).flatmap(lambda f: st.sampled_from([f, f"filter[{f}]"])),
        st.sampled_from(ODD_TEXT),
        st.text(max_size=12),
    )
    values = st.one_of(
        st.sampled_from(ODD_TEXT + HUGE),
        st.sampled_from(DIGITISH + HUGE),
        st.sampled_from(relation_names + [f"{a}.{b}" for a in relation_names for b in ("owner", "subjects", "images",
                                                                                       "collection")]),
        st.sampled_from(sort_names + [f"-{s}" for s in sort_names] + ["id", "-id", "nope"]),
        st.sampled_from(filter_names),
        st.integers(min_value=-10**25, max_value=10**25).map(str),
        st.lists(st.sampled_from(relation_names + ODD_TEXT[:8]), max_size=4).map(",".join),
        st.text(max_size=20),
        st.binary(max_size=6).map(lambda b: "".join(f"%{x:02X}" for x in b)),  # percent-encoded bytes, invalid UTF-8 too
    )
    pairs = draw(st.lists(st.tuples(keys, st.one_of(st.none(), values), st.booleans()), min_size=1, max_size=5))
    parts = []
    for key, value, raw in pairs:
        # raw: leave brackets, commas and percent-escapes as written; otherwise percent-encode the text
        k = quote(key, safe="[]%,") if raw else quote(key, safe="")
        if value is None:
            parts.append(k)
        else:
            parts.append(k + "=" + (quote(value, safe="[]%,.-") if raw else quote(value, safe="")))
    if draw(st.booleans()):
        parts.append(draw(st.sampled_from(["", "&", "=", "==", "a[b]=1", "[=", "]=1", "%00=%00", "%ff", "?"])))
    return "&".join(parts)


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20), st.sampled_from(ODD_TEXT + HUGE),
    st.sampled_from(DIGITISH),
)


def nested(depth, leaf=1):
    """``depth`` levels of alternating objects and lists around ``leaf``."""
    value = leaf
    for level in range(depth):
        value = {"a": value} if level % 2 else [value]
    return value


json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.one_of(st.text(max_size=10),
                                                         st.sampled_from(["data", "type", "id", "attributes",
                                                                          "relationships", "links", "meta"])),
                                               children, max_size=4)),
    max_leaves=12,
)
mutations = st.one_of(
    json_values,
    st.sampled_from([None, True, False, 0, -1, 1.5, 2**63, -(2**63) - 1, 10**30, 1e308, "", [], {}, [[]], [{}],
                     {"id": None}, {"type": None}, {"id": "1", "type": "nope"}, ["1", 2, None], {"data": None},
                     "x" * 300_000]),
    st.integers(min_value=1, max_value=30).map(lambda depth: json.loads("[" * depth + "]" * depth)),
    st.sampled_from([60, 250, 260, 300, 600]).map(nested),
    st.sampled_from(DIGITISH).flatmap(lambda d: st.sampled_from([d, [d], {"id": d, "type": "subjects"},
                                                                [{"id": d, "type": "images"}]])),
)


def valid_body(world, route, panoptes, method):
    """A plausible document for ``route``: the near-valid fuzz mutates one field of it."""
    type_, ids = route["type"], world.ids
    if route["kind"] in ("links", "relationships", "unlink"):
        target, members = route["target"], world.members.get(route["target"], ["1"])
        if panoptes:
            return {route["rel"]: members if route["many"] else members[0]}
        if route["many"]:
            return {"data": [{"type": target, "id": m} for m in members]}
        return {"data": {"type": target, "id": members[0]}}
    if route["kind"] == "import":
        if panoptes:
            return {"image_sets": {"manifest": "https://127.0.0.1/manifest.json"}}
        return {"data": {"type": "image_sets", "attributes": {"manifest": "https://127.0.0.1/manifest.json"}}}
    attributes, links = {
        "collections": ({"display_name": "Roses", "private": False, "favorite": True, "description": "d"},
                        {"subjects": world.members["subjects"], "default_subject": ids["subjects"]}),
        "subjects": ({"locations": [{"image/jpeg": "https://img.example.org/x.jpg"}], "metadata": {"n": 1}}, {}),
        "collection_roles": ({"roles": ["viewer"]}, {"collection": ids["collections"], "user": str(world.other.id)}),
        "images": ({"name": "i", "kind": "iiif", "iiif_url": "https://iiif.example.org/a", "api_version": "v3",
                    "width": 10, "height": 10, "weight": 1, "metadata": [{"name": "a", "value": "b"}]}, {}),
        "image_sets": ({"name": "S", "description": "d", "attribution": "a", "image_ids": world.members["images"],
                        "allowed_languages": ["en"], "published": False}, {"collection": ids["collections"]}),
        "users": ({"login": "newbie", "display_name": "N", "email": "n@example.org", "password": "long enough"}, {}),
        "user_groups": ({"name": "grp", "display_name": "G"}, {"users": [str(world.owner.id)]}),
        "languages": ({}, {}),
        "publications": ({}, {}),
        "layers": ({"title": "L", "description": "d"}, {}),
        "tables": ({"title": "T", "description": "d"}, {}),
        "documents": ({"title": "D", "description": "d"}, {}),
        "sets": ({"title": "S", "description": "*d*", "tags": ["a"], "categories": ["b/c"], "metadata": {"k": 1},
                  "publish_to_catalog_services": True, "items": [f"/api/layers/{world.members['layers'][1]}/"]},
                 {}),
        "set_versions": ({"title": "V", "description": "d", "tags": ["t"]},
                         {"items": [{"id": world.members["layers"][1], "type": "layers"}]}),
        "set_permissions": ({"principal": f"user.{world.other.id}", "permission": "edit"}, {}),
        "annotations": ({"motivation": "tagging", "body": {"value": "t", "language": "en"},
                         "selector": "xywh=0,0,1,1"}, {"image": ids["images"]}),
    }.get(type_, ({"x": 1}, {}))
    if type_ == "collections":
        links["owner"] = {"id": str(world.owner.id), "type": "users"}
    member_id = ids.get(type_) if route["kind"] == "member" else None
    if panoptes:
        body = {**attributes, "links": links}
        if member_id:
            body["id"] = member_id
        return {type_: body}
    relationships = {}
    for name, value in links.items():
        relation = _relation(type_, name)
        if relation is None:
            continue
        if isinstance(value, list):
            relationships[name] = {"data": [v if isinstance(v, dict) else {"type": relation.types[0], "id": v}
                                            for v in value]}
        elif isinstance(value, dict):
            relationships[name] = {"data": value}
        else:
            relationships[name] = {"data": {"type": relation.types[0], "id": value}}
    data = {"type": type_, "attributes": attributes, "relationships": relationships}
    if member_id:
        data["id"] = member_id
    return {"data": data}


def _relation(type_, name):
    from app.engine.registry import RESOURCES

    return RESOURCES[type_].relations.get(name)


def _paths(value, prefix=()):
    """Every (path to a value) in a JSON document, the root included."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, prefix + (i,))


def mutate(doc, path, new):
    if not path:
        return new
    doc = copy.deepcopy(doc)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return doc


def _content_type(panoptes):
    return PANOPTES if panoptes else JSONAPI


auth_and_dialect = st.tuples(st.booleans(), st.booleans())  # (panoptes, owner)


def write_routes(world):
    return [r for r in world.routes if set(r["methods"]) & set(BODY_METHODS) and r["kind"] != "import"]


def read_routes(world):
    return [r for r in world.routes if "GET" in r["methods"]]


# -- the properties ----------------------------------------------------------------------------------------------

def test_query_strings_never_5xx(world):
    routes = read_routes(world)

    @settings(max_examples=int(250 * SCALE), **FUZZ)
    @given(data=st.data(), who=auth_and_dialect)
    def run(data, who):
        route = data.draw(st.sampled_from(routes), label="route")
        query = data.draw(query_pairs(route["type"]), label="query")
        panoptes, owner = who
        send(world, "GET", world.path(route), headers=world.headers(panoptes, owner), query_string=query)

    run()


def test_query_strings_on_writes_never_5xx(world):
    routes = write_routes(world)

    @settings(max_examples=int(80 * SCALE), **FUZZ)
    @given(data=st.data(), who=auth_and_dialect)
    def run(data, who):
        route = data.draw(st.sampled_from(routes), label="route")
        method = data.draw(st.sampled_from([m for m in route["methods"] if m in BODY_METHODS]), label="method")
        panoptes, owner = who
        query = data.draw(query_pairs(route["type"]), label="query")
        body = json.dumps(valid_body(world, route, panoptes, method))
        response = send(world, method, world.path(route), headers=world.headers(panoptes, owner, **{
            "Content-Type": _content_type(panoptes)}), body=body, query_string=query)
        world.after(method, route, response)

    run()


def test_arbitrary_json_bodies_never_5xx(world):
    routes = write_routes(world)

    @settings(max_examples=int(250 * SCALE), **FUZZ)
    @given(data=st.data(), who=auth_and_dialect, body=json_values)
    def run(data, who, body):
        route = data.draw(st.sampled_from(routes), label="route")
        method = data.draw(st.sampled_from([m for m in route["methods"] if m in BODY_METHODS]), label="method")
        panoptes, owner = who
        response = send(world, method, world.path(route), body=json.dumps(body),
                        headers=world.headers(panoptes, owner, **{"Content-Type": _content_type(panoptes)}))
        world.after(method, route, response)

    run()


def test_near_valid_bodies_never_5xx(world):
    routes = write_routes(world)

    @settings(max_examples=int(400 * SCALE), **FUZZ)
    @given(data=st.data(), who=auth_and_dialect, new=mutations)
    def run(data, who, new):
        route = data.draw(st.sampled_from(routes), label="route")
        method = data.draw(st.sampled_from([m for m in route["methods"] if m in BODY_METHODS]), label="method")
        panoptes, owner = who
        doc = valid_body(world, route, panoptes, method)
        path = data.draw(st.sampled_from(list(_paths(doc))), label="mutated")
        parent = _get(doc, path[:-1]) if path else None
        if isinstance(parent, dict) and data.draw(st.booleans(), label="add a key"):
            # a key the type does not know, beside the chosen one
            doc = mutate(doc, path[:-1], {**parent, data.draw(st.text(max_size=8), label="key"): new})
        else:
            doc = mutate(doc, path, new)
        headers = world.headers(panoptes, owner, **{"Content-Type": _content_type(panoptes)})
        if method in ("PUT", "DELETE") and data.draw(st.booleans(), label="If-Match"):
            headers["If-Match"] = "*"
        response = send(world, method, world.path(route), body=json.dumps(doc), headers=headers)
        world.after(method, route, response)

    run()


def _get(doc, path):
    for step in path:
        doc = doc[step]
    return doc


RAW_BODIES = [
    b"", b" ", b"\n", b"null", b"0", b"-0", b"1e999", b"[]", b"{}", b'""', b"true", b"NaN", b"Infinity", b"-Infinity",
    b'{"data": NaN}', b'{"data": Infinity}', b"{", b"}", b"[", b'{"data": {"type": "collections",}}', b"\xff\xfe",
    b"\xef\xbb\xbf{}", b'{"data": "\xff"}', b'{"a": "\\ud800"}', b'{"a": "\\u0000"}', b'{"\\u0000": 1}', b"\x00",
    b'{"data": {}} trailing', b"{'data': 1}", b'{"data": 1e400}', b'{"data": -1e400}', b'{"data": 123456789012345678901234567890}',
]


@st.composite
def raw_bodies(draw, doc):
    """Bytes JSON parsers argue about, around a document of the route."""
    kind = draw(st.sampled_from(["fixed", "deep", "nan", "duplicate", "huge", "bytes", "number"]))
    text = json.dumps(doc)
    if kind == "fixed":
        return draw(st.sampled_from(RAW_BODIES))
    if kind == "deep":
        depth = draw(st.sampled_from([100, 1000, 1025, 5000, 100_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ('{"data":', "}")]))
        return (opener * depth + "1" + closer * depth).encode()
    if kind == "nan":
        token = draw(st.sampled_from(["NaN", "Infinity", "-Infinity", "nan", "1e999", "-1e999", "1E400", "0e0",
                                      "-0.0", "1.0e-400", "99999999999999999999999999999999"]))
        values = re.findall(r'(?<=: )("[^"]*"|\d+|true|false|null)', text)
        if not values:
            return token.encode()
        victim = draw(st.sampled_from(values))
        return text.replace(": " + victim, ": " + token, 1).encode()
    if kind == "duplicate":
        keys = re.findall(r'"([A-Za-z_]+)": ', text)
        key = draw(st.sampled_from(keys)) if keys else "data"
        other = draw(st.sampled_from(['"x"', "1", "null", "[]", "{}", '{"type": "nope", "id": "1"}']))
        return text.replace(f'"{key}": ', f'"{key}": {other}, "{key}": ', 1).encode()
    if kind == "huge":
        size = draw(st.sampled_from([10_000, 1_000_000, 5_000_000]))
        return text.replace('"', '"' + "\u00e9" * (size // 2), 2).encode()
    if kind == "number":
        values = re.findall(r'(?<=: )("[^"]*"|\d+|true|false|null)', text) or ["null"]
        victim = draw(st.sampled_from(values))
        number = draw(st.sampled_from(["1" * 400, "-" + "9" * 25, "1.5", "1e2", "2e63", "-0", "0.0000001"]))
        return text.replace(": " + victim, ": " + number, 1).encode()
    junk = draw(st.binary(min_size=1, max_size=40))
    at = draw(st.integers(min_value=0, max_value=len(text)))
    return text.encode()[:at] + junk + text.encode()[at:]


def test_raw_bodies_never_5xx(world):
    routes = write_routes(world) + [r for r in world.routes if r["kind"] == "import"]

    @settings(max_examples=int(150 * SCALE), **FUZZ)
    @given(data=st.data(), who=auth_and_dialect)
    def run(data, who):
        route = data.draw(st.sampled_from(routes), label="route")
        method = data.draw(st.sampled_from([m for m in route["methods"] if m in BODY_METHODS]), label="method")
        panoptes, owner = who
        body = data.draw(raw_bodies(valid_body(world, route, panoptes, method)), label="body")
        response = send(world, method, world.path(route), body=body,
                        headers=world.headers(panoptes, owner, **{"Content-Type": _content_type(panoptes)}))
        world.after(method, route, response)

    run()


latin1_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=40)


def header_values(world):
    token = world.owner.token
    return {
        "Accept": st.one_of(st.none(), latin1_text, st.sampled_from([
            JSONAPI, PANOPTES, "*/*", "application/json", "application/*", "text/html", "", ",", ";;", "*/*;q=0",
            f"{JSONAPI}; q=abc", f"{JSONAPI}; q=1e999", f"{JSONAPI}; q=nan", f"{JSONAPI}; version=2",
            f'{JSONAPI}; ext="https://example.org/ext"', f'{JSONAPI}; profile="a b", {PANOPTES}',
            f"{JSONAPI}; version=1; q=0.5, {JSONAPI}; q=0.1", f'{JSONAPI}; ext="', f"{JSONAPI};;=;", '"', "\u00ff/\u00ff",
        ])),
        "Content-Type": st.one_of(st.none(), latin1_text, st.sampled_from([
            JSONAPI, PANOPTES, "application/json", "application/json; charset=latin-1", "text/plain",
            "multipart/form-data", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
            f'{JSONAPI}; ext="x"', f"{JSONAPI}; version=7", f"{JSONAPI}; charset=utf-8", "", ";", "=",
        ])),
        "If-Match": st.one_of(st.none(), latin1_text, st.sampled_from([
            "*", '"abc"', 'W/"abc"', '"', ",", '""', "W/", '"*"', "a,b,*", '"x-y-z"', "-",
        ])),
        "If-None-Match": st.one_of(st.none(), latin1_text, st.sampled_from(["*", '"abc"', 'W/"x"', '"', ",", ""])),
        "Authorization": st.one_of(st.none(), latin1_text, st.sampled_from([
            f"Bearer {token}", f"bearer {token}", f"Bearer  {token} ", "Bearer", "Bearer ", "Basic YTpi",
            f"Bearer {token}x", "Bearer \u00e9", "Bearer a b c", "", " ", f"Token {token}",
        ])),
        "Accept-Language": st.one_of(st.none(), latin1_text, st.sampled_from([
            "en", "fr;q=0.5, en", "*", "en-US,en;q=0.9", "en;q=abc", "en;q=1e999", "en;q=-1", ";q=1", ",,,",
            "xx-\u00e9", "q=;;",
        ])),
        "X-Request-Id": st.one_of(st.none(), latin1_text, st.sampled_from(["abc", "a" * 128, "a" * 129, "\u00e9"])),
    }


def test_headers_never_5xx(world):
    routes = world.routes
    strategies = header_values(world)

    @settings(max_examples=int(250 * SCALE), **FUZZ)
    @given(data=st.data(), panoptes_body=st.booleans())
    def run(data, panoptes_body):
        route = data.draw(st.sampled_from(routes), label="route")
        method = data.draw(st.sampled_from(route["methods"]), label="method")
        headers = {name: data.draw(strategy, label=name) for name, strategy in strategies.items()}
        headers = {k: v for k, v in headers.items() if v is not None}
        body = None
        if method in BODY_METHODS:
            body = json.dumps(valid_body(world, route, panoptes_body, method))
        response = send(world, method, world.path(route), headers=headers, body=body)
        world.after(method, route, response)

    run()


not_ids = st.one_of(
    st.sampled_from(DIGITISH),
    st.sampled_from(["0", "-1", "00", "01", "1.0", "1e3", "abc", "9" * 19, "9" * 40, "9223372036854775807",
                     "9223372036854775808", "%00", "%ff", "%20", "%201", "1%2C2", "1,2", ",", ",,", "1,,2", "1,a",
                     "..", "%2e%2e", "%2F", " 1", "1 ", "+1", "0x1", "\u00b2", "1\u00b2", "\u2460", "\u0661", "1\u0661",
                     "\uff11", "\U0001d7d9", "NaN", "null", "*", "~", "\u00e9"]),
    st.text(min_size=1, max_size=10).map(lambda t: quote(t, safe="")),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)


def test_path_ids_that_are_not_ids(world):
    routes = [r for r in world.routes if "<" in r["rule"]]

    @settings(max_examples=int(250 * SCALE), **FUZZ)
    @given(data=st.data(), who=auth_and_dialect, bad=not_ids)
    def run(data, who, bad):
        route = data.draw(st.sampled_from(routes), label="route")
        method = data.draw(st.sampled_from(route["methods"]), label="method")
        panoptes, owner = who
        where = data.draw(st.sampled_from(["id", "ids", "collection_id"]), label="where")
        if where == "ids" and "<ids>" in route["rule"]:
            path = world.path(route, ids=data.draw(st.one_of(
                st.just(bad), st.lists(st.one_of(st.sampled_from(world.members.get(route["target"], ["1"])), not_ids),
                                       min_size=1, max_size=4).map(",".join)), label="ids"))
        elif where == "collection_id" and "<resid:collection_id>" in route["rule"]:
            path = world.path(route).replace(f"/collections/{world.ids['collections']}/", f"/collections/{bad}/", 1)
        elif "<resid:id>" in route["rule"]:
            path = world.path(route, id_=bad)
        else:
            path = world.path(route, ids=bad)
        headers = world.headers(panoptes, owner)
        body = None
        if method in BODY_METHODS:
            headers["Content-Type"] = _content_type(panoptes)
            body = json.dumps(valid_body(world, route, panoptes, method))
        if method in ("PUT", "DELETE"):
            headers["If-Match"] = "*"
        response = send(world, method, path, headers=headers, body=body)
        world.after(method, route, response)

    run()


manifest_docs = st.one_of(
    json_values,
    st.fixed_dictionaries({
        "@context": st.sampled_from(["http://iiif.io/api/presentation/3/context.json",
                                     "http://iiif.io/api/presentation/2/context.json", 1, None]),
        "type": st.sampled_from(["Manifest", "Collection", None, 3]),
        "@type": st.sampled_from(["sc:Manifest", None, []]),
        "id": st.one_of(st.just("https://example.org/m"), json_scalars),
        "label": st.one_of(json_values, st.just({"en": ["A label"]})),
        "items": st.one_of(json_values, st.lists(st.fixed_dictionaries({
            "type": st.sampled_from(["Canvas", None]), "id": json_scalars, "width": json_scalars,
            "height": json_scalars, "items": json_values, "label": json_values}), max_size=3)),
        "sequences": json_values,
        "metadata": json_values,
    }),
)


def test_manifest_import_never_5xx(world, monkeypatch):
    """The IIIF import reads whatever JSON the remote server answers: the fetch is replaced by the fuzzed doc."""
    from app.services import safe_fetch

    route = next(r for r in world.routes if r["kind"] == "import")
    fixtures = []
    for name in ("v2-fixture01-minimal.json", "v3-cookbook-0001-no-service.json"):
        from pathlib import Path

        fixtures.append(json.loads((Path(__file__).parent / "fixtures/iiif" / name).read_text()))
    current = {}
    monkeypatch.setattr(safe_fetch, "fetch_json", lambda url, **kw: (current["doc"], None))

    @settings(max_examples=int(150 * SCALE), **FUZZ)
    @given(data=st.data(), who=auth_and_dialect, doc=manifest_docs, new=mutations)
    def run(data, who, doc, new):
        panoptes, owner = who
        if data.draw(st.booleans(), label="mutate a real manifest"):
            base = data.draw(st.sampled_from(fixtures), label="fixture")
            doc = mutate(base, data.draw(st.sampled_from(list(_paths(base))), label="mutated"), new)
        current["doc"] = doc
        language = data.draw(header_values(world)["Accept-Language"], label="Accept-Language")
        headers = world.headers(panoptes, owner, **{"Content-Type": _content_type(panoptes),
                                                    "Accept-Language": language})
        send(world, "POST", world.path(route), headers=headers,
             body=json.dumps(valid_body(world, route, panoptes, "POST")))

    run()


def test_oauth_token_never_5xx(world):
    @settings(max_examples=int(60 * SCALE), **FUZZ)
    @given(body=st.one_of(json_values.map(lambda v: (json.dumps(v), "application/json")),
                          st.dictionaries(st.sampled_from(["grant_type", "username", "password", "x"]),
                                          st.one_of(st.text(max_size=10), st.just("password")))
                          .map(lambda d: ("&".join(f"{quote(k)}={quote(v)}" for k, v in d.items()),
                                          "application/x-www-form-urlencoded")),
                          st.binary(max_size=30).map(lambda b: (b, "application/x-www-form-urlencoded")),
                          st.sampled_from(RAW_BODIES + [b"[" * 100_000, b'{"a":' * 5000]).map(
                              lambda b: (b, "application/json"))))
    def run(body):
        send(world, "POST", "/oauth/token", body=body[0], headers={"Content-Type": body[1]})

    run()


# -- regressions: each 5xx the sweep found ----------------------------------------------------------------------

@pytest.mark.parametrize("value", ["\u00b2", "1\u00b2", "\u2460", "1" * 5000])
@pytest.mark.parametrize("panoptes", [False, True])
def test_id_filter_with_digits_int_cannot_read_is_a_400(world, value, panoptes):
    # str.isdigit() admits ² and ①, which int() refuses, and int() refuses more than 4300 digits: was a 500
    key = "collection_id" if panoptes else "filter[collection_id]"
    response = world.client.get("/api/collection_roles", headers=world.headers(panoptes, True),
                                query_string={key: value})
    if panoptes:
        assert_panoptes_error(response, 400, contains="is not a valid id")
    else:
        assert_jsonapi_error(response, 400, parameter=key, contains="is not a valid id")


@pytest.mark.parametrize("value", ["\u00b2", "1" * 5000])
def test_linkage_id_with_digits_int_cannot_read_is_a_422(world, value):
    cid = world.ids["collections"]
    response = world.client.post(f"/api/collections/{cid}/relationships/subjects",
                                 headers=world.headers(False, True, **{"Content-Type": JSONAPI}),
                                 json={"data": [{"type": "subjects", "id": value}]})
    assert_jsonapi_error(response, 422, pointer="/data/0/id", contains="is not a valid id")
    response = world.client.post(f"/api/collections/{cid}/links/subjects",
                                 headers=world.headers(True, True, **{"Content-Type": PANOPTES}),
                                 json={"subjects": [value]})
    assert_panoptes_error(response, 422, contains="is not a valid id")


def test_unlink_ids_with_digits_int_cannot_read_is_a_400(world):
    cid = world.ids["collections"]
    response = world.client.delete(f"/api/collections/{cid}/links/subjects/{quote(chr(0xB2))}",
                                   headers=world.headers(True, True))
    assert_panoptes_error(response, 400, contains="is not a valid id")


def test_image_ids_with_digits_int_cannot_read_is_a_422(world):
    response = world.client.post(f"/api/collections/{world.ids['collections']}/image-sets",
                                 headers=world.headers(False, True, **{"Content-Type": JSONAPI}),
                                 json=jsonapi_body("image_sets", {"name": "S", "image_ids": ["\u00b2"]}))
    assert_jsonapi_error(response, 422, pointer="/data/attributes/image_ids", contains="is not a valid id")


def test_deeply_nested_metadata_is_refused_before_it_is_stored(world):
    # 300 levels were stored, and then no answer could be written (orjson writes at most 254 levels): a 500
    # on the create and on every later read of the subject
    headers = world.headers(False, True, **{"Content-Type": JSONAPI})
    body = jsonapi_body("subjects", {"metadata": {"deep": nested(300)}})
    response = world.client.post("/api/subjects", headers=headers, data=json.dumps(body))
    doc = assert_jsonapi_error(response, 422, contains="more than 64 levels deep")
    pointer = doc["errors"][0]["source"]["pointer"]
    assert pointer.startswith("/data/attributes/metadata/deep/a/0/a/0/") and pointer.count("/") == 64
    body = {"subjects": {"metadata": {"deep": nested(300)}}}
    response = world.client.post("/api/subjects", headers=world.headers(True, True, **{"Content-Type": PANOPTES}),
                                 data=json.dumps(body))
    assert_panoptes_error(response, 422, contains="more than 64 levels deep")
    # nesting within the limit is kept and read back
    body = jsonapi_body("subjects", {"metadata": {"deep": nested(40)}})
    response = world.client.post("/api/subjects", headers=headers, data=json.dumps(body))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["data"]["attributes"]["metadata"] == {"deep": nested(40)}


def test_deeply_nested_linkage_id_is_a_422(world):
    # the error echoed the id, which orjson could not write back: a 500
    cid = world.ids["collections"]
    response = world.client.post(f"/api/collections/{cid}/relationships/subjects",
                                 headers=world.headers(False, True, **{"Content-Type": JSONAPI}),
                                 data=json.dumps({"data": [{"type": "subjects", "id": nested(260)}]}))
    assert_jsonapi_error(response, 422, contains="more than 64 levels deep")


@pytest.mark.parametrize("rule", ["/api/collections/{cid}/links/subjects", "/api/image_sets/{sid}/links/images"])
def test_put_on_a_to_many_relationship_in_jsonapi_is_a_405(world, rule):
    # the JSON:API relationship writer had no entry for PUT: a KeyError, a 500
    path = rule.format(cid=world.ids["collections"], sid=world.ids["image_sets"])
    response = world.client.put(path, headers=world.headers(False, True, **{"Content-Type": JSONAPI}),
                                json={"data": []})
    assert_jsonapi_error(response, 405)
    assert response.headers["Allow"] == "GET, POST, PATCH, DELETE"


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 5000, b"[" * 1000 + b"]" * 1000])
def test_oauth_token_with_deeply_nested_json_is_a_400(client, body):
    # Python's JSON parser raises RecursionError, which get_json(silent=True) does not swallow: was a 500
    response = client.post("/oauth/token", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_request",
                                   "error_description": "The body must be form-encoded or a JSON object."}
