"""Browser sign-in as Panoptes clients do it (``/users/sign_in``, ``/users/sign_out``): a CSRF token bound
to the session, a session cookie naming a server-side sign-in, and Panoptes-shaped answers."""
import secrets
from datetime import datetime, timedelta, timezone

from flask import Blueprint, current_app, g, jsonify, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy import delete, select
from wtforms import ValidationError

from app import throttle
from app.auth import Caller, authenticate, digest, expired, find_token, revoke_family
from app.extensions import db
from app.models import UserSession
from app.models.people import ACCESS

sessions = Blueprint("sessions", __name__)

CSRF_PARAM = "authenticity_token"
BAD_LOGIN = "Invalid email or password."


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over https, not only when configured."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def _error(status, message, headers=None):
    response = jsonify({"error": message})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _with_csrf(response, rotate=False):
    if rotate:
        session.pop("csrf_token", None)
        g.pop("csrf_token", None)
    response.headers["X-CSRF-Param"] = CSRF_PARAM
    response.headers["X-CSRF-Token"] = generate_csrf()
    response.headers["Cache-Control"] = "no-store"
    return response


def _csrf_ok(body):
    token = request.headers.get("X-CSRF-Token")
    if token is None and isinstance(body, dict):
        token = body.get(CSRF_PARAM)
    if not isinstance(token, str):
        return False
    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True


def _body():
    if request.form:
        return request.form.to_dict()
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def session_user_id():
    """The user signed in by the request's session cookie, or None."""
    sid = session.get("sid")
    if not isinstance(sid, str):
        return None
    row = db.session.execute(select(UserSession).where(UserSession.digest == digest(sid))).scalar_one_or_none()
    if row is None or expired(row):
        return None
    return row.user_id


def _end_session():
    sid = session.get("sid")
    if isinstance(sid, str):
        db.session.execute(delete(UserSession).where(UserSession.digest == digest(sid)))
        db.session.commit()
    session.clear()


@sessions.get("/users/sign_in", strict_slashes=False)
def sign_in_page():
    """Where a client gets a CSRF token (header X-CSRF-Token) before it signs in."""
    return _with_csrf(jsonify({"login": "/users/sign_in"}))


@sessions.post("/users/sign_in", strict_slashes=False)
def sign_in():
    body = _body()
    if not _csrf_ok(body):
        return _with_csrf(_error(422, "The authenticity token is missing or invalid; fetch /users/sign_in first."))
    user_fields = body.get("user") if isinstance(body, dict) else None
    if request.form:  # a form names the fields user[login] and user[password]
        user_fields = {"login": body.get("user[login]"), "password": body.get("user[password]"),
                       "remember_me": body.get("user[remember_me]")}
    login = user_fields.get("login") if isinstance(user_fields, dict) else None
    password = user_fields.get("password") if isinstance(user_fields, dict) else None
    if not isinstance(login, str) or not isinstance(password, str) or not login or not password:
        return _with_csrf(_error(422, "user.login and user.password are required."))
    try:
        user = authenticate(login, password)
    except throttle.Throttled as throttled:
        return _with_csrf(_error(429, throttled.message, {"Retry-After": str(throttled.retry_after)}))
    if user is None:
        return _with_csrf(_error(401, BAD_LOGIN))
    _end_session()
    sid = secrets.token_urlsafe(32)
    lifetime = current_app.config["SESSION_LIFETIME"]
    db.session.add(UserSession(user_id=user.id, digest=digest(sid),
                               expires_at=datetime.now(timezone.utc) + timedelta(seconds=lifetime)))
    db.session.commit()
    session["sid"] = sid
    session.permanent = bool(user_fields.get("remember_me"))
    return _with_csrf(_user_document(user), rotate=True)


def _user_document(user):
    """The signed-in user as a Panoptes document, as the user would read it from /api/me."""
    from app.engine.negotiation import PANOPTES_DIALECT
    from app.engine.registry import RESOURCES
    from app.engine.http import show_response

    g.dialect = PANOPTES_DIALECT
    g.caller = Caller(user_id=user.id, login=user.login, admin=user.admin)
    response = show_response(RESOURCES["users"], user.id)
    response.status_code = 200
    return response


@sessions.delete("/users/sign_out", strict_slashes=False)
def sign_out():
    """Ends the session, and the bearer token sent with it (its whole family)."""
    if not _csrf_ok(None):
        return _error(422, "The X-CSRF-Token header is missing or invalid; fetch /users/sign_in first.")
    user_id = session_user_id()
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if user_id is not None and scheme.lower() == "bearer" and token.strip():
        row = find_token(token.strip(), ACCESS)
        if row is not None and row.user_id == user_id:
            revoke_family(row)
    _end_session()
    return "", 204


def init_app(app):
    app.session_interface = SessionInterface()
    app.register_blueprint(sessions)
