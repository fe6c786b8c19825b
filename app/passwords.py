"""Password hashing: scrypt through Werkzeug, slow on purpose (``PASSWORD_HASH_METHOD`` may name another
Werkzeug method; the test suite uses a cheap one to stay fast)."""
import secrets

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

DEFAULT_METHOD = "scrypt"
_dummies = {}


def _method():
    return current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_METHOD) if has_app_context() else DEFAULT_METHOD


def hash_password(password):
    return generate_password_hash(password, method=_method())


def password_matches(password_hash, password):
    """Checks against a throw-away hash when there is none, so that a login without a user or without a
    password costs as much time as a wrong password and the answer's timing does not tell them apart."""
    if not password_hash:
        method = _method()
        if method not in _dummies:
            _dummies[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
        check_password_hash(_dummies[method], password or "")
        return False
    return check_password_hash(password_hash, password)
