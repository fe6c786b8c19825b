"""Who is calling: bearer tokens (access and refresh), their families and revocation (API §6)."""
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask import current_app, g, request
from sqlalchemy import delete, func, select

from app.engine.errors import ApiError
from app.extensions import db
from app.models import Token, User, UserSession
from app.models.people import ACCESS, REFRESH
from app.passwords import password_matches


@dataclass(frozen=True)
class Caller:
    user_id: int | None = None
    login: str | None = None
    admin: bool = False
    token_id: int | None = field(default=None, compare=False)
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def anonymous(self):
        return self.user_id is None


ANONYMOUS = Caller()


def digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def _expiry(seconds):
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)


def issue_token(user, expires_in=None):
    """Create a bearer token for ``user``; only its digest is stored."""
    lifetime = expires_in if expires_in is not None else current_app.config["TOKEN_LIFETIME"]
    token = secrets.token_urlsafe(32)
    db.session.add(Token(user_id=user.id, digest=digest(token), kind=ACCESS, expires_at=_expiry(lifetime)))
    db.session.commit()
    return token, lifetime


def issue_token_pair(user_id, client=None, family=None):
    """An access token and the refresh token that can replace it, in one family (a new one for a fresh
    grant, the old one for a refresh). Returns the grant's answer (RFC 6749 §5.1)."""
    family = family or secrets.token_hex(16)
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    lifetime = current_app.config["TOKEN_LIFETIME"]
    client_pk = client.id if client is not None else None
    db.session.add_all([
        Token(user_id=user_id, digest=digest(access), kind=ACCESS, family=family, client_id=client_pk,
              expires_at=_expiry(lifetime)),
        Token(user_id=user_id, digest=digest(refresh), kind=REFRESH, family=family, client_id=client_pk,
              expires_at=_expiry(current_app.config["REFRESH_TOKEN_LIFETIME"])),
    ])
    db.session.commit()
    return {"access_token": access, "token_type": "bearer", "expires_in": lifetime, "refresh_token": refresh,
            "scope": "public", "created_at": int(datetime.now(timezone.utc).timestamp())}


def find_token(secret, kind):
    return db.session.execute(select(Token).where(Token.digest == digest(secret), Token.kind == kind)).scalar_one_or_none()


def revoke_family(token):
    """A token and every token issued with it (a family without a name is the token alone)."""
    if token.family:
        db.session.execute(delete(Token).where(Token.family == token.family))
    else:
        db.session.execute(delete(Token).where(Token.id == token.id))


def revoke_other_credentials(user_id, keep_token_id=None):
    """After a password change: every token and browser session of the user but the caller's own token."""
    condition = Token.user_id == user_id
    if keep_token_id is not None:
        kept = db.session.get(Token, keep_token_id)
        # the refresh token issued with the kept access token stays too, or the caller could not refresh
        keep = (Token.family == kept.family) if kept is not None and kept.family else (Token.id == keep_token_id)
        condition = condition & ~keep
    db.session.execute(delete(Token).where(condition))
    db.session.execute(delete(UserSession).where(UserSession.user_id == user_id))


def aware(dt):
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def expired(row):
    return aware(row.expires_at) <= datetime.now(timezone.utc)


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
        select(User.id, User.login, User.admin, Token.expires_at, Token.id.label("token_id"))
        .join(Token, Token.user_id == User.id)
        .where(Token.digest == digest(token), Token.kind == ACCESS)
    ).first()
    if row is None or expired(row):
        raise ApiError(401, "The bearer token is invalid or has expired.", code="invalid_token",
                       header="Authorization",
                       headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})
    return Caller(user_id=row.id, login=row.login, admin=row.admin, token_id=row.token_id)


def current_caller():
    return g.get("caller", ANONYMOUS)


def find_user_by_login(login):
    return db.session.execute(select(User).where(func.lower(User.login) == login.lower())).scalar_one_or_none()


def find_user_for_sign_in(login):
    """A login is a user name or an e-mail address, as in Panoptes."""
    user = find_user_by_login(login)
    if user is None and "@" in login:
        user = db.session.execute(select(User).where(func.lower(User.email) == login.lower())).scalars().first()
    return user


def authenticate(login, password):
    """The user a login and password name, or None; throttled (app.throttle.Throttled) after too many
    failures for the account or the client address."""
    from app import throttle

    throttle.check(login)
    user = find_user_for_sign_in(login) if login else None
    if not password_matches(user.password_hash if user is not None else None, password):
        throttle.failed(login)
        return None
    throttle.succeeded(login)
    return user
