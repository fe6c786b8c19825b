"""Schema-driven fuzzing: schemathesis reads /api/openapi.json from the live server and calls every operation
with generated requests, signed in, once per dialect (tests/schemathesis_hooks.py keeps the dialect's entry of
each content map). It must find no 5xx, no answer outside what the document says (status codes, media types,
bodies, headers), and no schema-violating request accepted (``negative_data_rejection``).

CI's run is bounded: every operation gets API_FUZZ_EXAMPLES examples per phase (2 by default) in the examples
and fuzzing phases, and the coverage phase (schemathesis' boundary and schema-violating cases) runs over a
sample of the operations, those whose path matches API_FUZZ_COVERAGE (35 operations: each kind of endpoint,
body and relation). ``make fuzz-api`` runs the full sweep: all three phases over every operation, and with
API_FUZZ_VALID=1 it also counts schema-valid requests the server rejects (``positive_data_acceptance``)
beyond the refusals each operation's description gives a reason for (``x-refusals``: ids that must exist,
states, the other dialect's methods), printing them and the operations that only ever got 401/403/404,
without failing. A run past API_FUZZ_MAX_TIME seconds fails. Every path id is a seeded row's, owned by the
user whose token the requests carry, so operations reach their handlers rather than a 404. Every JSON:API
answer also goes through the live server's schema and code checks.
"""
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from app.engine.openapi import openapi_path
from app.extensions import db
from app.models.jobs import COMPLETED, Job
from tests.annotations_helpers import annotate
from tests.conftest import JSONAPI, PANOPTES
from tests.image_sets_helpers import create_set as create_image_set
from tests.image_sets_helpers import make_image, patch_set
from tests.live_server import live_server  # noqa: F401 - fixture
from tests.reading_seed import grant_role
from tests.sets_helpers import create_item, draft_id, grant, new_draft, published_set
from tests.sets_helpers import create_set as create_sets_set
from tests.writing_helpers import create_collection, create_subject

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "2"))
MAX_TIME = int(os.environ.get("API_FUZZ_MAX_TIME", "600"))  # a hung run fails instead of holding CI
PHASES = os.environ.get("API_FUZZ_PHASES", "examples,fuzzing")
# "" for none; the default: a collection (show, update, delete), its to-many and to-one relationship endpoints in
# both forms, the image sets nested under it (list, create), a set (update with its owner and items inputs) and
# its polymorphic items relation, and atomic operations
COVERAGE_SAMPLE = os.environ.get("API_FUZZ_COVERAGE", r"^/api/(collections/\{id\}(/(links|relationships)/(subjects|"
                                 r"default_subject))?|collections/\{collection_id\}/image-sets|sets/\{id\}(/(links|"
                                 r"relationships)/items)?|operations)$")
COUNT_VALID_REJECTED = os.environ.get("API_FUZZ_VALID") == "1"
ROOT = Path(__file__).resolve().parent.parent
ST = Path(sys.executable).with_name("st")
# Statuses that say "rejected" for a request outside the document: schemathesis' own list, plus 412 (an If-Match
# it invented is checked before the body), 413, and 410 (a Web Annotation deleted by an earlier case is gone
# whatever the request holds).
REJECTIONS = [400, 401, 403, 404, 405, 406, 409, 410, 412, 413, 415, 422, 428, 429]
# What schemathesis takes from a schema-valid request by default (its positive_data_acceptance)
ACCEPTED_VALID = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "response_headers_conformance,negative_data_rejection")


# What type the id in a path parameter names: the segment before `{id}`, the parameter's own name, or, for
# `links/<rel>/{ids}`, the relation's type
SEGMENT_TYPES = {"versions": "set_versions", "permissions": "set_permissions", "image-sets": "image_sets"}
PARAMETER_TYPES = {"collection_id": "collections", "set_id": "sets", "image_set_id": "image_sets"}
RELATION_TYPES = {"allowed_languages": "languages", "collection": "collections", "created_by": "users",
                  "creator": "users", "default_subject": "subjects", "image": "images", "image_set": "image_sets",
                  "items": "layers", "latest_version": "set_versions", "owner": "users",
                  "permissions": "set_permissions", "publication": "publications",
                  "published_version": "set_versions", "set": "sets", "user": "users", "version": "set_versions",
                  "versions": "set_versions"}


def first_id(client, owner, path):
    data = client.get(path, headers=owner.jsonapi()).get_json().get("data") or []
    return data[0]["id"] if data else None


def finished_job(app, owner):
    """A job can only be started by an import that fetches a manifest; the fuzzing reads one that finished."""
    with app.app_context():
        job = Job(kind="import_manifest", status=COMPLETED, creator_id=owner.id, params={})
        db.session.add(job)
        db.session.commit()
        return job.id


def seed(app, client, people):
    """A row of every type, owned by the fuzzing user: (owner, ids every operation's path parameters use,
    ids of rows a resource `DELETE` may remove). A `DELETE` gets rows of its own, so the rows every other
    operation reads and writes stay; once it has removed its row, its later cases get the documented 404."""
    owner = people.user("fuzzer")
    other = people.user("bystander")
    doomed_user = people.user("doomed")
    rows, doomed = {"users": owner.id}, {"users": doomed_user.id}
    for kept in (rows, doomed):
        kept["subjects"] = create_subject(client, owner)
        kept["images"] = make_image(client, owner, uri=f"https://static.example.org/{len(doomed)}.jpg",
                                    width=1000, height=800)
        for type_ in ("layers", "documents", "tables"):
            kept[type_] = create_item(client, owner, type_)
    rows["collections"] = create_collection(client, owner, "Fuzzed")
    doomed["collections"] = create_collection(client, owner, "Doomed")
    client.post(f"/api/collections/{rows['collections']}/links/subjects", headers=owner.panoptes(),
                json={"subjects": [rows["subjects"]]}, content_type=PANOPTES)
    for kept, name in ((rows, "Fuzzed set"), (doomed, "Doomed set")):
        kept["image_sets"] = create_image_set(client, owner, rows["collections"], name=name,
                                              image_ids=[rows["images"]], allowed_languages=["en"])
    for kept in (rows, doomed):
        kept["annotations"] = annotate(client, owner, rows["image_sets"], rows["images"])
        kept["collection_roles"] = grant_role(client, owner, rows["collections"],
                                              other if kept is rows else doomed_user, ["collaborator"])
    rows["sets"], _version = published_set(client, owner, items=[("layers", rows["layers"])])
    rows["set_versions"] = new_draft(client, rows["sets"], owner)
    rows["set_permissions"] = grant(client, rows["sets"], owner, f"user.{other.id}", "view")
    doomed["set_permissions"] = grant(client, rows["sets"], owner, f"user.{doomed_user.id}", "view")
    doomed["sets"] = create_sets_set(client, owner, title="Doomed")["id"]
    # a set version's `DELETE` removes the draft of a set of its own, a publish publishes one of its own, and
    # the `PUT` replacing a set's permissions replaces those of another set
    for key in ("versions_of", "published_by", "permissions_of"):
        doomed[key] = create_sets_set(client, owner, title=f"Doomed: {key}")["id"]
    doomed["set_versions"] = draft_id(client, doomed["versions_of"], owner)
    doomed["published_draft"] = draft_id(client, doomed["published_by"], owner)
    for kept, name in ((rows, "fuzzers"), (doomed, "doomed-group")):
        kept["user_groups"] = people.group(name, owner, other)
    for type_ in ("languages", "publishes"):
        rows[type_] = first_id(client, owner, f"/api/{type_}")
    patch_set(client, owner, rows["collections"], rows["image_sets"], {"published": True})
    shown = client.get(f"/api/image_sets/{rows['image_sets']}", headers=owner.jsonapi()).get_json()["data"]
    rows["publications"] = shown["relationships"]["publication"]["data"]["id"]
    rows["jobs"] = finished_job(app, owner)
    return owner, {k: str(v) for k, v in rows.items() if v is not None}, {k: str(v) for k, v in doomed.items()}


def path_ids(method, path, rows, doomed):
    """The seeded ids an operation's path parameters take (none for a parameter no row fits)."""
    segments = path.strip("/").split("/")
    if segments[-1] == "publish":
        return {"set_id": doomed["published_by"], "id": doomed["published_draft"]}
    if method == "PUT" and segments[-1] == "permissions":
        return {"set_id": doomed["permissions_of"]}
    removes = method == "DELETE" and segments[-1] == "{id}"  # a resource's DELETE, not a relation's
    values = {}
    for at, segment in enumerate(segments):
        name = segment[1:-1] if segment.startswith("{") else None
        if name == "id":
            type_ = SEGMENT_TYPES.get(segments[at - 1], segments[at - 1])
            values[name] = (doomed if removes else rows).get(type_)
        elif name in PARAMETER_TYPES:
            values[name] = rows[PARAMETER_TYPES[name]]
            if removes and name == "set_id" and segments[at + 1] == "versions":
                values[name] = doomed["versions_of"]
        elif name == "page":
            values[name] = "1"  # a IIIF collection's first page
        elif name == "ids":
            relation = segments[at - 1]
            values[name] = rows.get(RELATION_TYPES.get(relation, relation))
    return {name: value for name, value in values.items() if value is not None}


def write_config(config, document, rows, doomed, token, accept):
    """schemathesis' configuration: the owner's token, and per operation the seeded ids of its path, an
    Accept its answers come in, and, as answers a valid request may get, the refusals its description gives
    a reason for (``x-refusals``: ids that must exist, states, the other dialect's methods)."""
    dialect = "panoptes" if accept == PANOPTES else "jsonapi"
    lines = [
        f'headers = {{ Authorization = "Bearer {token}", Accept = "{accept}" }}',
        "[checks.negative_data_rejection]",
        "expected-statuses = [" + ", ".join(str(s) for s in REJECTIONS) + "]",
    ]
    for path, item in document["paths"].items():
        operations = {m: op for m, op in item.items() if m in ("get", "post", "put", "patch", "delete")}
        # the media types the path answers in (a delete answering nothing takes its neighbours')
        media = sorted({m for op in operations.values() for status, answer in op["responses"].items()
                        if status.startswith("2") and "$ref" not in answer for m in (answer.get("content") or {})})
        for method, operation in operations.items():
            method = method.upper()
            entry = []
            values = path_ids(method, path, rows, doomed)
            if values:
                entry.append("parameters = { " + ", ".join(f'"path.{k}" = "{v}"' for k, v in values.items()) + " }")
            if media and not any(m.startswith(JSONAPI) for m in media) or (
                    dialect == "jsonapi" and media and JSONAPI not in media):
                # IIIF and Web Annotation answers, errors in the pass's dialect; atomic results in JSON:API
                entry.append(f'headers = {{ Authorization = "Bearer {token}", '
                             f'Accept = {json.dumps(media[0] + ", " + accept + "; q=0.5")} }}')
            refused = sorted({r["status"] for r in operation.get("x-refusals", ())
                              if r.get("dialect", dialect) == dialect})
            if refused:
                statuses = [*ACCEPTED_VALID, *map(str, refused)]
                entry.append("checks.positive_data_acceptance.expected-statuses = " + json.dumps(statuses))
            if entry:
                lines += ["[[operations]]", f'include-name = "{method} {path}"', *entry]
    config.write_text("\n".join(lines) + "\n")


def run_schemathesis(live_server, config, tmp_path, accept, phases, extra=(), least=500):
    checks = CHECKS + (",positive_data_acceptance" if COUNT_VALID_REJECTED else "")
    command = [str(ST), "--config-file", str(config), "run", f"{live_server.base_url}/api/openapi.json",
               "--checks", checks, "--max-examples", str(EXAMPLES), "--phases", phases,
               "--generation-deterministic", "--request-timeout", "30", "--no-color", *extra]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks", "PYTHONPATH": str(ROOT),
           "API_FUZZ_DIALECT": "panoptes" if accept == PANOPTES else "jsonapi"}
    started = time.monotonic()
    run = subprocess.run(command, capture_output=True, text=True, timeout=MAX_TIME, cwd=tmp_path, env=env)
    output = run.stdout + run.stderr
    summary = output[output.rfind("SUMMARY"):] if "SUMMARY" in output else output[-4000:]
    (tmp_path / f"schemathesis-{phases.replace(',', '-')}.log").write_text(output)
    print(f"{accept} {phases} {' '.join(extra)}: {time.monotonic() - started:.0f} s\n{summary}")
    failures = dict(re.findall(r"❌ (ST\d+) [^:\n]*: (\d+)", summary))
    rejected = failures.pop("ST202", None)
    if rejected is not None:  # counted, not failed: print which operations and answers
        print(f"schema-valid requests rejected on {rejected} operations:")
        for operation, status in re.findall(r"_+ (\w+ \S+) _+\n(?:.*\n){0,12}?\[(\d{3})\]", output):
            print(f"  {status} {operation}")
    assert not failures and "Errors:" not in summary, summary + "\n" + output[:20000]
    tested = re.search(r"Tested:\s+(\d+)", summary)
    assert tested and int(tested.group(1)) >= least, summary
    generated = re.search(r"(\d+) generated, (\d+) (passed|found)", summary)
    assert generated and (rejected is not None or generated.group(1) == generated.group(2)), summary
    return int(generated.group(1))


def print_unreached(app, exchanges, document):
    """The described operations whose every answer was a 401, 403 or 404: the fuzzing never reached what they
    do."""
    adapter = app.url_map.bind("localhost")
    statuses = {}
    for exchange in exchanges:
        try:
            rule, _ = adapter.match(urlsplit(exchange.raw_uri).path, method=exchange.method, return_rule=True)
        except HTTPException:
            continue
        path = openapi_path(rule)[0]
        if exchange.method.lower() not in document["paths"].get(path, {}):
            continue  # a method or a slash variant the description leaves out
        statuses.setdefault(f"{exchange.method} {path}", set()).add((exchange.status, exchange.error_code))
    unreached = sorted(op for op, seen in statuses.items() if {status for status, _ in seen} <= {401, 403, 404})
    read_only = [op for op in unreached if all(code and ("read_only_relationship" in code or "read only" in code
                                                         or "cannot be changed" in code)
                                               for _, code in statuses[op])]
    print(f"{len(statuses)} operations answered; {len(unreached)} only ever with 401/403/404, {len(read_only)} "
          "of them writes to a read-only relationship (403 read_only_relationship):")
    for operation in unreached:
        print(f"  {sorted(statuses[operation], key=str)} {operation}")


@pytest.mark.skipif(os.environ.get("API_FUZZ") != "1", reason="runs once per `make test` (API_FUZZ=1)")
@pytest.mark.parametrize("accept", [JSONAPI, PANOPTES], ids=["jsonapi", "panoptes"])
def test_schemathesis_finds_nothing(app, client, people, live_server, tmp_path, accept):  # noqa: F811
    owner, rows, doomed = seed(app, client, people)
    config = tmp_path / "schemathesis.toml"
    document = client.get("/api/openapi.json").get_json()
    write_config(config, document, rows, doomed, owner.token, accept)
    # hypothesis' coverage generation is not thread-safe (it fails at random with "AST constructor recursion
    # depth mismatch"): a run with the coverage phase uses one worker
    cases = run_schemathesis(live_server, config, tmp_path, accept, PHASES,
                             ("--workers", "1" if "coverage" in PHASES else "2"))
    if COVERAGE_SAMPLE and "coverage" not in PHASES:
        cases += run_schemathesis(live_server, config, tmp_path, accept, "coverage",
                                  ("--workers", "1", "--include-path-regex", COVERAGE_SAMPLE), least=30)
    print(f"{accept}: {cases} cases")
    if COUNT_VALID_REJECTED:
        print_unreached(app, live_server.exchanges, document)
    assert live_server.failures == []
    assert all(e.status < 500 for e in live_server.exchanges)
