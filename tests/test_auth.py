"""Bearer tokens, the OAuth 2 password grant and the operator CLI (API §1, §5, §6)."""
import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Collection, Membership, Subject, Token, User, UserGroup
from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.writing_helpers import assert_jsonapi_error, assert_panoptes_error, create_collection


def last_line(result):
    assert result.exit_code == 0, (result.exit_code, result.output, result.exception)
    lines = [line for line in result.output.splitlines() if line.strip()]
    return lines[-1]


def bearer(token, panoptes=False):
    return {"Accept": PANOPTES if panoptes else JSONAPI, "Authorization": f"Bearer {token}"}


def create_user(runner, login, *extra, password="s3cret-pass"):
    return runner.invoke(args=["users", "create", login, "--password", password, *extra])


def new_collection(client, token, name="Mine"):
    body = jsonapi_body("collections", {"display_name": name})
    return client.post("/api/collections", headers=bearer(token), data=json.dumps(body), content_type=JSONAPI)


def password_grant(client, username, password, **extra):
    form = {"grant_type": "password", "username": username, "password": password, **extra}
    return client.post("/oauth/token", data=form)


# -- bearer tokens -------------------------------------------------------------------------------------

@pytest.mark.parametrize("authorization", ["Bearer not-a-token", "Bearer ", "Basic YWxpY2U6cHc=", "Bearer",
                                           "token abc"])
def test_bad_authorization_is_401_in_both_dialects(client, people, authorization):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Public")
    for method, path, body in [("GET", f"/api/collections/{cid}", None),
                               ("GET", "/api/collections", None),
                               ("POST", "/api/collections", {"data": {"type": "collections",
                                                                     "attributes": {"display_name": "X"}}})]:
        kwargs = {"method": method}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type=JSONAPI)
        response = client.open(path, headers={"Accept": JSONAPI, "Authorization": authorization}, **kwargs)
        assert_jsonapi_error(response, 401, header="Authorization")
        assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")
        response = client.open(path, headers={"Accept": PANOPTES, "Authorization": authorization}, **kwargs)
        assert_panoptes_error(response, 401)
    assert client.get("/api/collections", headers={"Accept": JSONAPI}).get_json()["meta"]["collections"]["count"] == 1


def test_a_valid_token_identifies_the_caller(client, people):
    alice = people.user("alice")
    response = client.get("/api/me", headers=alice.jsonapi())
    assert response.status_code == 200
    assert response.get_json()["data"]["attributes"]["login"] == "alice"
    response = client.get("/api/me", headers=alice.panoptes())
    assert response.get_json()["users"][0]["login"] == "alice"


def test_expired_token_is_401(app, client, runner, people):
    people.user("alice")
    token = last_line(runner.invoke(args=["tokens", "create", "alice", "--expires-in", "3600"]))
    assert new_collection(client, token).status_code == 201
    with app.app_context():
        digest = hashlib.sha256(token.encode()).hexdigest()
        row = db.session.execute(select(Token).where(Token.digest == digest)).scalar_one()
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=timezone.utc)
        assert timedelta(seconds=3500) < expires - datetime.now(timezone.utc) <= timedelta(seconds=3600)
        db.session.execute(update(Token).where(Token.id == row.id)
                           .values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
        db.session.commit()
    assert_jsonapi_error(new_collection(client, token, "Too late"), 401, header="Authorization")
    assert_jsonapi_error(client.get("/api/me", headers=bearer(token)), 401)
    assert_panoptes_error(client.get("/api/collections", headers=bearer(token, panoptes=True)), 401)
    response = client.post("/api/collections", headers=bearer(token, panoptes=True), content_type="application/json",
                           data=json.dumps({"collections": {"display_name": "Too late"}}))
    assert_panoptes_error(response, 401)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Collection)).scalar_one() == 1


def test_anonymous_me_and_writes_are_401(client):
    assert_jsonapi_error(client.get("/api/me", headers={"Accept": JSONAPI}), 401)
    response = client.post("/api/collections", headers={"Accept": PANOPTES}, content_type="application/json",
                           data=json.dumps({"collections": {"display_name": "X"}}))
    assert_panoptes_error(response, 401, contains="logged in")


def test_tokens_are_stored_hashed(app, people):
    alice = people.user("alice")
    with app.app_context():
        digests = db.session.scalars(select(Token.digest).where(Token.user_id == alice.id)).all()
    assert digests and alice.token not in digests
    assert all(alice.token not in d for d in digests)
    assert hashlib.sha256(alice.token.encode()).hexdigest() in digests


def test_passwords_are_stored_with_a_slow_hash(app, runner):
    create_user(runner, "hashed", password="plain-text-pw")
    with app.app_context():
        stored = db.session.execute(select(User.password_hash).where(User.login == "hashed")).scalar_one()
    assert stored and "plain-text-pw" not in stored
    assert stored.split(":")[0] in ("scrypt", "pbkdf2", "argon2", "bcrypt") or stored.startswith("$")


# -- OAuth 2 password grant ----------------------------------------------------------------------------

def test_password_grant_issues_a_working_token(app, client, people):
    people.user("alice", password="correct horse")
    response = password_grant(client, "alice", "correct horse")
    assert response.status_code == 200, response.get_json()
    doc = response.get_json()
    assert doc["token_type"].lower() == "bearer"
    assert isinstance(doc["expires_in"], int) and doc["expires_in"] > 0
    assert response.headers.get("Cache-Control") == "no-store"
    token = doc["access_token"]
    assert new_collection(client, token).status_code == 201
    response = client.get("/api/me", headers=bearer(token, panoptes=True))
    assert response.get_json()["users"][0]["login"] == "alice"
    with app.app_context():
        assert db.session.execute(select(Token).where(Token.digest == token)).first() is None


def test_password_grant_login_is_case_insensitive_and_json_works(client, people):
    people.user("alice", password="correct horse")
    assert password_grant(client, "ALICE", "correct horse").status_code == 200
    response = client.post("/oauth/token", data=json.dumps({"grant_type": "password", "username": "alice",
                                                            "password": "correct horse"}),
                           content_type="application/json")
    assert response.status_code == 200
    assert response.get_json()["access_token"]


@pytest.mark.parametrize("form, error", [
    ({"grant_type": "password", "username": "alice", "password": "wrong"}, "invalid_grant"),
    ({"grant_type": "password", "username": "nobody", "password": "correct horse"}, "invalid_grant"),
    ({"grant_type": "password", "username": "alice"}, "invalid_request"),
    ({"grant_type": "password", "password": "correct horse"}, "invalid_request"),
    ({"grant_type": "client_credentials", "username": "alice", "password": "correct horse"},
     "unsupported_grant_type"),
])
def test_password_grant_failures(app, client, people, form, error):
    people.user("alice", password="correct horse")
    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(Token)).scalar_one()
    response = client.post("/oauth/token", data=form)
    assert response.status_code == 400
    doc = response.get_json()
    assert doc["error"] == error
    assert "access_token" not in doc
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Token)).scalar_one() == before


def test_password_grant_without_grant_type_is_refused(client, people):
    people.user("alice", password="correct horse")
    response = client.post("/oauth/token", data={"username": "alice", "password": "correct horse"})
    assert response.status_code == 400
    assert response.get_json()["error"] in ("invalid_request", "unsupported_grant_type")


def test_user_without_password_cannot_use_the_grant(app, client):
    with app.app_context():
        db.session.add(User(login="nopw", display_name="No password"))
        db.session.commit()
    response = password_grant(client, "nopw", "")
    assert response.status_code == 400
    response = password_grant(client, "nopw", "anything")
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"


# -- CLI ----------------------------------------------------------------------------------------------

def test_cli_users_create(app, client, runner):
    user_id = last_line(create_user(runner, "carol", "--display-name", "Carol C", "--email", "c@example.org"))
    assert user_id.isdigit()
    with app.app_context():
        user = db.session.get(User, int(user_id))
        assert (user.login, user.display_name, user.email, user.admin) == ("carol", "Carol C", "c@example.org", False)
    response = client.get(f"/api/users/{user_id}", headers={"Accept": JSONAPI})
    assert response.get_json()["data"]["attributes"]["login"] == "carol"
    # The password works for the grant.
    assert password_grant(client, "carol", "s3cret-pass").status_code == 200


def test_cli_users_create_admin(app, client, runner, people):
    alice = people.user("alice")
    secret = create_collection(client, alice, "Secret", private=True)
    admin_id = last_line(create_user(runner, "root", "--admin"))
    with app.app_context():
        assert db.session.get(User, int(admin_id)).admin is True
    token = last_line(runner.invoke(args=["tokens", "create", "root"]))
    assert client.get(f"/api/collections/{secret}", headers=bearer(token)).status_code == 200


def test_cli_users_create_duplicate_fails(app, runner):
    assert create_user(runner, "dave").exit_code == 0
    for login in ("dave", "DAVE"):
        result = create_user(runner, login)
        assert result.exit_code != 0
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(User)
                                  .where(func.lower(User.login) == "dave")).scalar_one() == 1


def test_cli_users_create_needs_a_password(runner):
    result = runner.invoke(args=["users", "create", "erin"])
    assert result.exit_code != 0


def test_cli_groups_create_with_members(app, client, runner):
    ids = {login: last_line(create_user(runner, login)) for login in ("amy", "ben")}
    group_id = last_line(runner.invoke(args=["groups", "create", "birders", "--display-name", "The Birders",
                                             "--member", "amy", "--member", "ben"]))
    assert group_id.isdigit()
    with app.app_context():
        group = db.session.get(UserGroup, int(group_id))
        assert (group.name, group.display_name) == ("birders", "The Birders")
        members = set(db.session.scalars(select(Membership.user_id).where(Membership.user_group_id == group.id)))
    assert members == {int(ids["amy"]), int(ids["ben"])}
    response = client.get(f"/api/user_groups/{group_id}/relationships/users", headers={"Accept": JSONAPI})
    assert sorted(d["id"] for d in response.get_json()["data"]) == sorted(ids.values())
    # A member may create a collection owned by the group.
    token = last_line(runner.invoke(args=["tokens", "create", "ben"]))
    body = jsonapi_body("collections", {"display_name": "Birds"},
                        {"owner": {"data": {"type": "user_groups", "id": group_id}}})
    response = client.post("/api/collections", headers=bearer(token), data=json.dumps(body), content_type=JSONAPI)
    assert response.status_code == 201


def test_cli_groups_create_failures(app, runner):
    create_user(runner, "amy")
    result = runner.invoke(args=["groups", "create", "ghosts", "--member", "amy", "--member", "casper"])
    assert result.exit_code != 0
    assert runner.invoke(args=["groups", "create", "birders"]).exit_code == 0
    assert runner.invoke(args=["groups", "create", "Birders"]).exit_code != 0
    with app.app_context():
        names = db.session.scalars(select(UserGroup.name)).all()
        assert names == ["birders"]


def test_cli_tokens_create(app, client, runner):
    create_user(runner, "fay")
    token = last_line(runner.invoke(args=["tokens", "create", "fay"]))
    assert " " not in token and len(token) >= 20
    response = client.get("/api/me", headers=bearer(token))
    assert response.get_json()["data"]["attributes"]["login"] == "fay"
    response = client.post("/api/collections", headers=bearer(token, panoptes=True), content_type="application/json",
                           data=json.dumps({"collections": {"display_name": "Fay's"}}))
    assert response.status_code == 201
    assert response.get_json()["collections"][0]["links"]["owner"]["display_name"] == "fay"
    # A second token is different and both work.
    other = last_line(runner.invoke(args=["tokens", "create", "FAY", "--expires-in", "60"]))
    assert other != token
    assert client.get("/api/me", headers=bearer(other)).status_code == 200
    assert client.get("/api/me", headers=bearer(token)).status_code == 200


def test_cli_tokens_create_failures(runner):
    assert runner.invoke(args=["tokens", "create", "nobody"]).exit_code != 0
    create_user(runner, "gus")
    assert runner.invoke(args=["tokens", "create", "gus", "--expires-in", "0"]).exit_code != 0
    assert runner.invoke(args=["tokens", "create", "gus", "--expires-in", "soon"]).exit_code != 0


def _counts():
    return tuple(db.session.execute(select(func.count()).select_from(model)).scalar_one()
                 for model in (User, UserGroup, Membership, Collection, Subject))


def test_cli_demo_is_idempotent(app, client, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        counts = _counts()
    assert all(counts)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert _counts() == counts
    response = client.get("/api/collections", headers={"Accept": JSONAPI})
    assert response.status_code == 200 and response.get_json()["data"]
    response = password_grant(client, "alice", "demo-password")
    assert response.status_code == 200


# -- login throttling, equal cost of failures, revocation -------------------------------------------------

def test_a_guessing_run_is_stopped_and_the_owner_signs_in_after_the_window(app, client, people, monkeypatch):
    import time

    monkeypatch.setitem(app.config, "LOGIN_LIMIT_ACCOUNT", "4 per 2 seconds")
    people.user("alice", password="correct horse")
    statuses = [password_grant(client, "alice", f"guess-{i}").status_code for i in range(8)]
    assert statuses == [400] * 4 + [429] * 4
    response = password_grant(client, "alice", "correct horse")  # even the right password waits
    assert response.status_code == 429
    assert response.get_json()["error"] == "too_many_attempts"
    assert 1 <= int(response.headers["Retry-After"]) <= 2
    assert response.headers["Cache-Control"] == "no-store"
    time.sleep(int(response.headers["Retry-After"]) + 0.2)
    assert password_grant(client, "alice", "correct horse").status_code == 200
    # a success clears the account's count
    assert [password_grant(client, "alice", "wrong").status_code for _ in range(4)] == [400] * 4


def test_throttling_per_client_address_covers_many_accounts(app, client, people, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_ADDRESS", "5 per 10 minutes")
    people.user("alice", password="correct horse")
    statuses = [password_grant(client, f"user{i}", "pw").status_code for i in range(5)]
    assert statuses == [400] * 5
    assert password_grant(client, "alice", "correct horse").status_code == 429
    other_address = client.post("/oauth/token", environ_base={"REMOTE_ADDR": "10.0.0.9"},
                                data={"grant_type": "password", "username": "alice", "password": "correct horse"})
    assert other_address.status_code == 200


def test_throttling_is_on_by_default(_migrated_app):
    from app import config

    defaults = config.from_environment("/tmp", env={})
    assert defaults["LOGIN_LIMIT_ACCOUNT"] and defaults["LOGIN_LIMIT_ADDRESS"]
    assert defaults["RATELIMIT_STORAGE_URI"] == "memory://"


def test_a_missing_login_is_checked_against_a_dummy_hash(app, client):
    from app import passwords

    passwords._dummies.clear()
    assert password_grant(client, "nobody", "some password").status_code == 400
    # the failed grant computed a hash of the configured (slow) method, as a wrong password does
    assert list(passwords._dummies) == [app.config["PASSWORD_HASH_METHOD"]]
    assert passwords._dummies[app.config["PASSWORD_HASH_METHOD"]].startswith("pbkdf2:sha256:1000$")


def revoke(client, token, **extra):
    return client.post("/oauth/revoke", data={"token": token, **extra})


def test_revoke_ends_a_token_and_its_refresh_token(client, people):
    people.user("alice", password="correct horse")
    doc = password_grant(client, "alice", "correct horse").get_json()
    assert client.get("/api/me", headers=bearer(doc["access_token"])).status_code == 200
    response = revoke(client, doc["access_token"], token_type_hint="access_token")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert client.get("/api/me", headers=bearer(doc["access_token"])).status_code == 401
    refreshed = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": doc["refresh_token"]})
    assert refreshed.status_code == 400
    # a refresh token revokes the access token issued with it
    doc = password_grant(client, "alice", "correct horse").get_json()
    assert revoke(client, doc["refresh_token"], token_type_hint="refresh_token").status_code == 200
    assert client.get("/api/me", headers=bearer(doc["access_token"])).status_code == 401
    # unknown or already revoked tokens: 200 all the same (RFC 7009 §2.2)
    assert revoke(client, "no-such-token").status_code == 200
    assert revoke(client, doc["refresh_token"]).status_code == 200
    response = client.post("/oauth/revoke", data={})
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"


def test_changing_a_password_revokes_the_users_other_tokens(client, people):
    alice = people.user("alice", password="correct horse")
    other = password_grant(client, "alice", "correct horse").get_json()
    body = {"data": {"type": "users", "id": str(alice.id), "attributes": {"password": "a new password"}}}
    response = client.patch(f"/api/users/{alice.id}", headers=alice.jsonapi(), data=json.dumps(body),
                            content_type=JSONAPI)
    assert response.status_code == 200, response.get_json()
    assert client.get("/api/me", headers=alice.jsonapi()).status_code == 200  # the token that changed it
    assert client.get("/api/me", headers=bearer(other["access_token"])).status_code == 401
    response = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": other["refresh_token"]})
    assert response.status_code == 400
    assert password_grant(client, "alice", "correct horse").status_code == 400
    assert password_grant(client, "alice", "a new password").status_code == 200


def test_cli_refuses_absurd_token_lifetimes(runner):
    create_user(runner, "gus")
    result = runner.invoke(args=["tokens", "create", "gus", "--expires-in", "99999999999999"])
    assert result.exit_code == 2
    assert "--expires-in" in result.output and "range" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert last_line(runner.invoke(args=["tokens", "create", "gus", "--expires-in", str(366 * 24 * 3600)]))
