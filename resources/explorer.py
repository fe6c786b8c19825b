"""GET /api/openapi.json (the OpenAPI 3.1 description) and GET /api/explorer (Swagger UI, served from the
swagger-ui-py package's files, so it works with no internet access)."""
import os

import swagger_ui
import orjson
from flask import Blueprint, Response, current_app, render_template, send_from_directory

from app.engine.http import api_root
from app.engine.openapi import documented, openapi_document

# Its own blueprint under /api: browsers ask these with Accept: text/html, which API negotiation refuses.
docs = Blueprint("docs", __name__, url_prefix="/api", template_folder="templates")
SWAGGER_STATIC = os.path.join(os.path.dirname(swagger_ui.__file__), "static")
EXPLORER_FILES = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"}


@docs.get("/openapi.json")
@documented("file", media=["application/json"], errors=("404",), auth=False)
def openapi():
    """The OpenAPI 3.1 description of this API"""
    return Response(orjson.dumps(openapi_document(current_app, api_root())), content_type="application/json")


@docs.get("/explorer", strict_slashes=False)
@documented("file", media=["text/html"], errors=("404",), auth=False)
def explorer():
    """The API explorer (Swagger UI): every endpoint, with a place for a bearer token"""
    return render_template("explorer.html", spec_url=api_root() + "/openapi.json", static=api_root() + "/explorer")


@docs.get("/explorer/<any(" + ", ".join(f'"{name}"' for name in sorted(EXPLORER_FILES)) + "):filename>")
@documented("file", media=["text/css", "text/javascript", "image/png"], errors=("404",), auth=False)
def explorer_file(filename):
    """A file of the explorer page"""
    return send_from_directory(SWAGGER_STATIC, filename, max_age=86400)
