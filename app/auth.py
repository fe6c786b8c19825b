"""Who is calling: passwords, bearer tokens and the OAuth 2 password grant (API §6)."""
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy import func, select
from app.engine.errors import ApiError
from app.extensions import db
from app.models import Token, User
from app.passwords import password_matches


@dataclass(frozen=True)
class Caller:
    user_id: int | None = None
    login: str | None = None
    admin: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def anonymous(self):
        return self.user_id is None


ANONYMOUS = Caller()


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user, expires_in=None):
    """Create a bearer token for ``user``; only its digest is stored."""
    lifetime = expires_in if expires_in is not None else current_app.config["TOKEN_LIFETIME"]
    token = secrets.token_urlsafe(32)
    db.session.add(Token(user_id=user.id, digest=_digest(token),
                         expires_at=datetime.now(timezone.utc) + timedelta(seconds=lifetime)))
    db.session.commit()
    return token, lifetime


def _aware(dt):
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def caller_from_request():
    """The caller named by the Authorization header; ApiError(401) for a bad or expired token."""
    header = request.headers.get("Authorization")
    if not header:
        return ANONYMOUS
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "The Authorization header must be 'Bearer <token>'.", code="invalid_token",
                       header="Authorization", headers={"WWW-Authenticate": 'Bearer realm="api"'})
    row = db.session.execute(
        select(User.id, User.login, User.admin, Token.expires_at)
        .join(Token, Token.user_id == User.id)
        .where(Token.digest == _digest(token))
    ).first()
    if row is None or _aware(row.expires_at) <= datetime.now(timezone.utc):
        raise ApiError(401, "The bearer token is invalid or has expired.", code="invalid_token",
                       header="Authorization",
                       headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})
    return Caller(user_id=row.id, login=row.login, admin=row.admin)


def current_caller():
    return g.get("caller", ANONYMOUS)


def find_user_by_login(login):
    return db.session.execute(select(User).where(func.lower(User.login) == login.lower())).scalar_one_or_none()


oauth = Blueprint("oauth", __name__)


def _oauth_error(error, description, status=400):
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@oauth.post("/oauth/token")
def token_endpoint():
    """OAuth 2 resource-owner password grant (RFC 6749 §4.3)."""
    try:
        form = request.form if request.form else (request.get_json(silent=True) or {})
    except RecursionError:  # JSON nested deeper than Python's parser recurses; silent only covers ValueError
        form = None
    if not isinstance(form, dict) and not hasattr(form, "get"):
        return _oauth_error("invalid_request", "The body must be form-encoded or a JSON object.")
    grant = form.get("grant_type")
    if grant != "password":
        return _oauth_error("unsupported_grant_type", "Only grant_type=password is supported.")
    username, password = form.get("username"), form.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        return _oauth_error("invalid_request", "username and password are required.")
    user = find_user_by_login(username)
    if user is None or not password_matches(user.password_hash, password):
        return _oauth_error("invalid_grant", "The username or password is wrong.")
    token, lifetime = issue_token(user)
    response = jsonify({"access_token": token, "token_type": "bearer", "expires_in": lifetime})
    response.headers["Cache-Control"] = "no-store"
    return response
