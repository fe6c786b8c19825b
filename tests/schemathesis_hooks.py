"""Schemathesis hooks for tests/test_api_fuzz.py (loaded through SCHEMATHESIS_HOOKS).

Every content map of /api/openapi.json has two entries: the JSON:API media type and the Panoptes one
(`application/vnd.api+json; version=1`). Schemathesis matches a response's media type without its parameters,
so it would check Panoptes answers against the JSON:API entry. Each fuzzing pass tests one dialect
(API_FUZZ_DIALECT), so the document it loads keeps that dialect's entry of each map: its requests are sent
in that dialect and its answers are checked against that dialect's schemas. Parameters of the other dialect
only (``x-dialect``: the bare Panoptes filters the JSON:API dialect refuses) are left out the same way.
"""
import os

import schemathesis

PANOPTES = "application/vnd.api+json; version=1"
JSONAPI = "application/vnd.api+json"


def _keep(node, wanted, other, dialect):
    if isinstance(node, dict):
        parameters = node.get("parameters")
        if isinstance(parameters, list):
            node["parameters"] = [p for p in parameters if p.get("x-dialect", dialect) == dialect]
        content = node.get("content")
        if isinstance(content, dict) and wanted in content and other in content:
            del content[other]
        for value in node.values():
            _keep(value, wanted, other, dialect)
    elif isinstance(node, list):
        for value in node:
            _keep(value, wanted, other, dialect)


@schemathesis.hook
def before_load_schema(context, raw_schema):
    if os.environ.get("API_FUZZ_DIALECT") == "panoptes":
        _keep(raw_schema, PANOPTES, JSONAPI, "panoptes")
    else:
        _keep(raw_schema, JSONAPI, PANOPTES, "jsonapi")
