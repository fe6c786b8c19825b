"""Application factory."""
import os

from flask import Flask, g
from werkzeug.routing import BaseConverter, ValidationError

from app import config as settings
from app.extensions import db, migrate


class ResourceIdConverter(BaseConverter):
    """Ids are positive integers that fit a 64-bit column; anything else is not a resource (404)."""

    # No leading zero and at most 18 digits, so 0 and out-of-range ids fail to match at all: a value
    # refused only by to_python makes Werkzeug answer 405 instead of 404 for methods of other rules.
    # ASCII digits only: \d would also match other scripts' digits (٣, ３), which int() reads.
    regex = r"[1-9][0-9]{0,17}"

    def to_python(self, value):
        number = int(value)
        if not 0 < number < 2**63:
            raise ValidationError()
        return number

    def to_url(self, value):
        return str(value)


def create_app(overrides=None):
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(settings.from_environment(app.instance_path))
    if overrides:
        app.config.update(overrides)
    app.json.sort_keys = False
    app.url_map.converters["resid"] = ResourceIdConverter

    from app import database

    database.engine_options(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"))

    from app import cli, errors, http_policies, request_log, sessions
    from app.oauth import oauth
    from resources import api, register_all
    from resources.explorer import docs
    from resources.iiif import iiif
    from resources.web_annotations import w3c

    database.init_app(app)
    request_log.init_app(app)
    errors.init_app(app)
    http_policies.init_app(app)
    cli.init_app(app)
    register_all()
    app.register_blueprint(api)
    app.register_blueprint(docs)
    app.register_blueprint(iiif)
    app.register_blueprint(w3c)
    app.register_blueprint(oauth)
    sessions.init_app(app)

    @app.after_request
    def common_headers(response):
        response.headers.add("Vary", "Accept")
        if app.config["QUERY_COUNT_HEADER"]:
            response.headers["X-Query-Count"] = str(g.get("query_count", 0))
        return response

    return app
