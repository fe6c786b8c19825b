"""Password hashing (scrypt through Werkzeug: slow on purpose)."""
from werkzeug.security import check_password_hash, generate_password_hash


def hash_password(password):
    return generate_password_hash(password)


def password_matches(password_hash, password):
    return bool(password_hash) and check_password_hash(password_hash, password)
