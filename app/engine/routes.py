"""What each URL rule of a declaration serves, recorded when it is added, so that the OpenAPI description
(and anything else) reads it instead of decoding endpoint names."""
from dataclasses import dataclass

ROUTES = {}   # the app's endpoint name ("api.<name>") → Route

RESOURCE_VIEWS = ("index", "show", "create", "update", "destroy")
RELATION_VIEWS = ("links", "relationships", "unlink", "related")


@dataclass(frozen=True)
class Route:
    resource: object           # the declaration served
    view: str                  # one of RESOURCE_VIEWS or RELATION_VIEWS, or "declared"
    relation: object = None    # for the relation views
    declared: object = None    # an app.engine.actions Action, Listing or Alias


def add_route(bp, rule, name, view_fn, methods, route, defaults=None):
    options = {"defaults": defaults} if defaults else {}
    bp.add_url_rule(rule, name, view_fn, methods=methods, strict_slashes=False, **options)
    ROUTES[f"{bp.name}.{name}"] = route


def route_of(endpoint):
    return ROUTES.get(endpoint)
