"""Password hashing: scrypt through Werkzeug, slow on purpose (``PASSWORD_HASH_METHOD`` may name another
Werkzeug method; the test suite uses a cheap one to stay fast)."""
from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

DEFAULT_METHOD = "scrypt"


def hash_password(password):
    method = current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_METHOD) if has_app_context() else DEFAULT_METHOD
    return generate_password_hash(password, method=method)


def password_matches(password_hash, password):
    return bool(password_hash) and check_password_hash(password_hash, password)
