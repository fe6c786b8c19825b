"""OAuth 2 endpoints: ``POST /oauth/token`` (password and refresh_token grants, RFC 6749 §4.3 and §6) and
``POST /oauth/revoke`` (RFC 7009). Both take a form or a JSON body; answers are OAuth documents."""
from datetime import datetime, timezone

from flask import Blueprint, jsonify, request
from sqlalchemy import select, update

from app import throttle
from app.auth import authenticate, expired, find_token, issue_token_pair, revoke_family
from app.extensions import db
from app.models import OAuthClient, Token
from app.models.people import ACCESS, REFRESH

oauth = Blueprint("oauth", __name__)


class OAuthError(Exception):
    def __init__(self, error, description, status=400, headers=None):
        super().__init__(description)
        self.error, self.description, self.status, self.headers = error, description, status, headers or {}


@oauth.errorhandler(OAuthError)
def _oauth_error(exc):
    response = jsonify({"error": exc.error, "error_description": exc.description})
    response.status_code = exc.status
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(exc.headers)
    return response


def _params():
    try:
        params = request.form if request.form else request.get_json(silent=True)
    except RecursionError:  # JSON nested deeper than Python's parser recurses; silent only covers ValueError
        params = None
    if params is None and not request.get_data():
        params = {}
    if not hasattr(params, "get"):
        raise OAuthError("invalid_request", "The body must be form-encoded or a JSON object.")
    return params


def _text(params, name, required=False):
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise OAuthError("invalid_request", f"{name} is required.")
        return None
    if not isinstance(value, str):
        raise OAuthError("invalid_request", f"{name} must be a string.")
    return value


def _client(params, required=False):
    client_id = _text(params, "client_id", required)
    if client_id is None:
        return None
    client = db.session.execute(select(OAuthClient).where(OAuthClient.client_id == client_id)).scalar_one_or_none()
    if client is None:
        raise OAuthError("invalid_client", "client_id does not name a registered client application.", 401)
    return client


def _granted(answer):
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@oauth.post("/oauth/token")
def token_endpoint():
    params = _params()
    grant = _text(params, "grant_type")
    if grant == "password":
        return _granted(_password_grant(params))
    if grant == "refresh_token":
        return _granted(_refresh_grant(params))
    raise OAuthError("unsupported_grant_type", "grant_type must be password or refresh_token.")


def _password_grant(params):
    from app.sessions import session_user_id

    username = _text(params, "username") or _text(params, "login")
    if username is None and params.get("password") is None:
        # Panoptes' clients: the user is the one the session cookie signed in
        client = _client(params, required=True)
        user_id = session_user_id()
        if user_id is None:
            raise OAuthError("invalid_grant", "Nobody is signed in: send username and password, or sign in "
                             "at /users/sign_in first.", 401)
        return issue_token_pair(user_id, client)
    client = _client(params)
    password = _text(params, "password")
    if username is None or password is None:
        raise OAuthError("invalid_request", "username and password are required.")
    try:
        user = authenticate(username, password)
    except throttle.Throttled as throttled:
        raise OAuthError("too_many_attempts", throttled.message, 429,
                         {"Retry-After": str(throttled.retry_after)}) from None
    if user is None:
        raise OAuthError("invalid_grant", "The username or password is wrong.")
    return issue_token_pair(user.id, client)


def _refresh_grant(params):
    client = _client(params)
    secret = _text(params, "refresh_token", required=True)
    token = find_token(secret, REFRESH)
    if token is None or expired(token):
        raise OAuthError("invalid_grant", "The refresh token is invalid or has expired.")
    if token.client_id is not None and (client is None or client.id != token.client_id):
        raise OAuthError("invalid_grant", "The refresh token was issued to another client application.")
    # one exchange per refresh token, also under concurrent requests: the update claims it
    claimed = db.session.execute(update(Token).where(Token.id == token.id, Token.used_at.is_(None))
                                 .values(used_at=datetime.now(timezone.utc))).rowcount
    if not claimed:
        # a rotated refresh token came back: it may have leaked, so nothing of its grant stays valid
        revoke_family(token)
        db.session.commit()
        raise OAuthError("invalid_grant", "The refresh token has been used already; every token of its "
                         "grant is revoked.")
    return issue_token_pair(token.user_id, client if client is not None else None, family=token.family)


@oauth.post("/oauth/revoke")
def revoke_endpoint():
    """RFC 7009: 200 whether or not the token was valid; the token and the tokens issued with it end."""
    params = _params()
    client = _client(params)
    secret = _text(params, "token", required=True)
    hint = _text(params, "token_type_hint")
    kinds = [REFRESH, ACCESS] if hint == "refresh_token" else [ACCESS, REFRESH]
    for kind in kinds:
        token = find_token(secret, kind)
        if token is None:
            continue
        if token.client_id is not None and client is not None and client.id != token.client_id:
            raise OAuthError("invalid_client", "The token was issued to another client application.", 401)
        revoke_family(token)
        db.session.commit()
        break
    response = _granted({})
    return response
