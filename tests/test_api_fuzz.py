"""Schema-driven fuzzing: schemathesis reads /api/openapi.json from the live server and calls every operation
with generated requests, signed in, once per dialect (tests/schemathesis_hooks.py keeps the dialect's entry of
each content map). It must find no 5xx, no answer outside what the document says (status codes, media types,
bodies, headers), and no schema-violating request accepted (``negative_data_rejection``).

CI's run is bounded: every operation gets API_FUZZ_EXAMPLES examples per phase (2 by default) in the examples
and fuzzing phases, and the coverage phase (schemathesis' boundary and schema-violating cases) runs over a
sample of the operations, those whose path matches API_FUZZ_COVERAGE (35 operations: each kind of endpoint,
body and relation). ``make fuzz-api`` runs the full sweep: all three phases over every operation, and with
API_FUZZ_VALID=1 it also counts schema-valid requests the server rejects (``positive_data_acceptance``),
printing them without failing, since some need ids that exist or a state (an If-Match that matches).
A run past API_FUZZ_MAX_TIME seconds fails. Path ids are the seeded resources', so operations reach real
rows rather than 404s. Every JSON:API answer also goes through the live server's schema and code checks.
"""
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.image_sets_helpers import create_set as create_image_set
from tests.image_sets_helpers import make_image
from tests.live_server import live_server  # noqa: F401 - fixture
from tests.sets_helpers import create_item, grant, new_draft, published_set
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
# it invented is checked before the body) and 413.
REJECTIONS = [400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429]
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "response_headers_conformance,negative_data_rejection")


def seed(client, people):
    """A little of everything, owned by the fuzzing user; returns the ids path parameters take."""
    owner = people.user("fuzzer")
    other = people.user("bystander")
    subject = create_subject(client, owner)
    collection = create_collection(client, owner, "Fuzzed")
    client.post(f"/api/collections/{collection}/links/subjects", headers=owner.panoptes(),
                json={"subjects": [subject]}, content_type=PANOPTES)
    image = make_image(client, owner, name="fuzzed image")
    create_image_set(client, owner, collection, name="Fuzzed set", image_ids=[image])
    set_id, _version = published_set(client, owner, items=[("layers", create_item(client, owner))])
    new_draft(client, set_id, owner)
    grant(client, set_id, owner, f"user.{other.id}", "view")
    client.post("/api/user_groups", headers=owner.jsonapi(), content_type=JSONAPI,
                json=jsonapi_body("user_groups", {"name": "fuzzers"}))
    return owner, {"collection_id": collection, "set_id": set_id}


def write_config(path, ids, token, accept):
    lines = [
        f'headers = {{ Authorization = "Bearer {token}", Accept = "{accept}" }}',
        "[parameters]",
        f'"path.collection_id" = "{ids["collection_id"]}"',
        f'"path.set_id" = "{ids["set_id"]}"',
        "[checks.negative_data_rejection]",
        "expected-statuses = [" + ", ".join(str(s) for s in REJECTIONS) + "]",
    ]
    path.write_text("\n".join(lines) + "\n")


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


@pytest.mark.skipif(os.environ.get("API_FUZZ") != "1", reason="runs once per `make test` (API_FUZZ=1)")
@pytest.mark.parametrize("accept", [JSONAPI, PANOPTES], ids=["jsonapi", "panoptes"])
def test_schemathesis_finds_nothing(app, client, people, live_server, tmp_path, accept):  # noqa: F811
    owner, ids = seed(client, people)
    config = tmp_path / "schemathesis.toml"
    write_config(config, ids, owner.token, accept)
    # hypothesis' coverage generation is not thread-safe (it fails at random with "AST constructor recursion
    # depth mismatch"): a run with the coverage phase uses one worker
    cases = run_schemathesis(live_server, config, tmp_path, accept, PHASES,
                             ("--workers", "1" if "coverage" in PHASES else "2"))
    if COVERAGE_SAMPLE and "coverage" not in PHASES:
        cases += run_schemathesis(live_server, config, tmp_path, accept, "coverage",
                                  ("--workers", "1", "--include-path-regex", COVERAGE_SAMPLE), least=30)
    print(f"{accept}: {cases} cases")
    assert live_server.failures == []
    assert all(e.status < 500 for e in live_server.exchanges)
