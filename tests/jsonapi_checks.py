"""Checks every JSON:API-dialect response the tests receive must pass.

The JSON Schema (format checks off) and what no schema can say: full linkage, (type, id) unique
across data and included, and Location equal to the created resource's self link.
"""
import json
import pathlib

import jsonschema

SCHEMA = json.loads((pathlib.Path(__file__).parent / "fixtures/jsonapi/schema-legacy.json").read_text())
VALIDATOR = jsonschema.Draft6Validator(SCHEMA)  # no format checker: format checks off


CURSOR_PROFILE = "https://jsonapi.org/profiles/ethanresnick/cursor-pagination/"


class DocumentError(AssertionError):
    pass


def _identifiers(resource):
    for rel in (resource.get("relationships") or {}).values():
        data = rel.get("data")
        if isinstance(data, dict):
            yield (data["type"], data["id"])
        elif isinstance(data, list):
            for item in data:
                yield (item["type"], item["id"])


def check_document(doc, status=None, location=None, sparse=False):
    errors = sorted(VALIDATOR.iter_errors(doc), key=lambda e: e.path)
    if errors:
        raise DocumentError("schema: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5]))
    if "data" not in doc:
        return
    data = doc["data"]
    primary = data if isinstance(data, list) else ([data] if isinstance(data, dict) else [])
    primary = [r for r in primary if "attributes" in r or "relationships" in r or "links" in r]
    seen = set()
    for resource in primary + doc.get("included", []):
        key = (resource["type"], resource["id"])
        if key in seen:
            raise DocumentError(f"(type, id) {key} appears twice across data and included")
        seen.add(key)
    included = {(r["type"], r["id"]): r for r in doc.get("included", [])}
    reached = set()
    frontier = [ident for r in primary for ident in _identifiers(r)]
    while frontier:
        ident = frontier.pop()
        if ident in reached or ident not in included:
            continue
        reached.add(ident)
        frontier.extend(_identifiers(included[ident]))
    unreached = set(included) - reached
    if unreached and not sparse:  # JSON:API's one exception: a sparse fieldset dropped the linkage
        raise DocumentError(f"full linkage: included resources not reached from primary data: {sorted(unreached)}")
    if status == 201:
        self_link = (data or {}).get("links", {}).get("self")
        if location != self_link:
            raise DocumentError(f"Location {location!r} differs from links.self {self_link!r}")


def is_jsonapi(content_type):
    if not content_type:
        return False
    mime, _, params = content_type.partition(";")
    return mime.strip() == "application/vnd.api+json" and "version" not in params


def check_response(status, content_type, body, location=None, query=""):
    """Validate one HTTP response if it is a JSON:API-dialect document; ``query`` is the request's."""
    if not body or not is_jsonapi(content_type):
        return
    sparse = "fields[" in query or "fields%5b" in query.lower()
    doc = json.loads(body)
    if isinstance(doc, dict) and "atomic:results" in doc:
        # the atomic extension's document: each result's data is a resource object like any other
        assert set(doc) <= {"atomic:results", "jsonapi", "meta", "links"}, sorted(doc)
        for result in doc["atomic:results"]:
            assert set(result) <= {"data", "meta"}, sorted(result)
            if "data" in result:
                check_document({"data": result["data"]}, status=status, sparse=sparse)
        return
    if CURSOR_PROFILE in content_type and isinstance(doc, dict) and isinstance(doc.get("links"), dict):
        # The cursor pagination profile keeps prev/next as null when there is no such page; JSON:API allows
        # null page links, but this schema's generic links object does not: check them here instead.
        links = doc["links"]
        assert "prev" in links and "next" in links, "a cursor page must have links.prev and links.next"
        doc = {**doc, "links": {k: v for k, v in links.items() if v is not None}}
    check_document(doc, status=status, location=location, sparse=sparse)
