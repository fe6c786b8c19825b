"""Browser sign-in as Panoptes clients run it: CSRF token, session cookie, cookie-authenticated password
grant, refresh tokens, sign-out, client applications and cross-origin access."""
import json

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import OAuthClient, Token, UserSession
from tests.conftest import PANOPTES

CLIENT_ID = "first-party-web"
JSON = {"Accept": "application/json", "Content-Type": "application/json"}


@pytest.fixture
def registered(runner):
    result = runner.invoke(args=["clients", "create", "Web front-end", "--client-id", CLIENT_ID])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()[-1]


def csrf(client, path="/users/sign_in/?now=1"):
    response = client.get(path, headers=JSON)
    assert response.status_code == 200
    assert response.headers["X-CSRF-Param"] == "authenticity_token"
    return response.headers["X-CSRF-Token"]


def sign_in(client, login="alice", password="correct horse", token=None):
    token = csrf(client) if token is None else token
    body = {"authenticity_token": token, "user": {"login": login, "password": password, "remember_me": True}}
    return client.post("/users/sign_in", headers=JSON, data=json.dumps(body))


def cookie_grant(client, form=False, **params):
    params = {"grant_type": "password", "client_id": CLIENT_ID, **params}
    if form:
        return client.post("/oauth/token", data=params)
    return client.post("/oauth/token", headers=JSON, data=json.dumps(params))


def me(client, token):
    return client.get("/api/me", headers={"Accept": PANOPTES, "Authorization": f"Bearer {token}"})


def session_count(app):
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(UserSession)).scalar_one()


# -- step 1: the CSRF token ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/users/sign_in", "/users/sign_in/", "/users/sign_in/?now=1733140000000"])
def test_sign_in_page_gives_a_csrf_token_and_a_session_cookie(client, path):
    response = client.get(path, headers=JSON)
    assert response.status_code == 200
    assert response.get_json()["login"] == "/users/sign_in"
    assert len(response.headers["X-CSRF-Token"]) >= 20
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("hyperapi_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_over_https(client):
    response = client.get("/users/sign_in", headers=JSON, base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


# -- step 2: signing in --------------------------------------------------------------------------------

def test_sign_in_answers_the_user_as_a_panoptes_document(client, people):
    alice = people.user("alice")
    before = csrf(client)
    response = sign_in(client, token=before)
    assert response.status_code == 200
    # the CSRF token is rotated at sign-in; the old one no longer signs anybody out
    assert response.headers["X-CSRF-Token"] and response.headers["X-CSRF-Token"] != before
    assert client.delete("/users/sign_out", headers={**JSON, "X-CSRF-Token": before}).status_code == 422
    doc = response.get_json()
    assert int(doc["users"][0]["id"]) == alice.id
    assert doc["users"][0]["login"] == "alice"
    assert doc["users"][0]["email"] == "alice@example.org"  # the user's own private fields
    assert response.headers["X-CSRF-Token"]


def test_sign_in_with_an_email_address(client, people):
    people.user("alice")
    assert sign_in(client, login="Alice@Example.org").status_code == 200


@pytest.mark.parametrize("login, password", [("alice", "wrong"), ("nobody", "correct horse")])
def test_bad_credentials_are_401_with_one_message(app, client, people, login, password):
    people.user("alice")
    response = sign_in(client, login, password)
    assert response.status_code == 401
    assert response.get_json() == {"error": "Invalid email or password."}
    assert session_count(app) == 0
    assert cookie_grant(client).status_code == 401


@pytest.mark.parametrize("token", ["", "forged-token", None])
def test_a_bad_csrf_token_signs_nobody_in(app, client, people, registered, token):
    people.user("alice")
    if token is None:  # a token from another browser's session
        other = app.test_client()
        token = csrf(other)
    else:
        csrf(client)
    response = sign_in(client, token=token)
    assert response.status_code == 422
    assert "authenticity token" in response.get_json()["error"]
    assert session_count(app) == 0
    assert cookie_grant(client).status_code == 401


@pytest.mark.parametrize("body", [{}, {"user": "alice"}, {"user": {"login": "alice"}}, [1, 2], "text"])
def test_malformed_sign_in_bodies_are_422(client, people, body):
    people.user("alice")
    token = csrf(client)
    if isinstance(body, dict):
        body = {"authenticity_token": token, **body}
    response = client.post("/users/sign_in", headers={**JSON, "X-CSRF-Token": token}, data=json.dumps(body))
    assert response.status_code == 422
    assert response.get_json()["error"]


def test_sign_in_accepts_a_form_body(client, people, registered):
    people.user("alice")
    token = csrf(client)
    response = client.post("/users/sign_in", data={"authenticity_token": token, "user[login]": "alice",
                                                   "user[password]": "correct horse"})
    assert response.status_code == 200
    assert cookie_grant(client, form=True).status_code == 200


# -- step 3: the token from the session ----------------------------------------------------------------

@pytest.mark.parametrize("form", [False, True])
def test_cookie_grant_issues_tokens_for_the_session_user(app, client, people, registered, form):
    alice = people.user("alice")
    assert sign_in(client).status_code == 200
    response = cookie_grant(client, form=form)
    assert response.status_code == 200, response.get_json()
    doc = response.get_json()
    assert doc["token_type"].lower() == "bearer" and doc["expires_in"] == app.config["TOKEN_LIFETIME"]
    assert doc["refresh_token"] and doc["refresh_token"] != doc["access_token"]
    assert response.headers["Cache-Control"] == "no-store"
    assert me(client, doc["access_token"]).get_json()["users"][0]["id"] == str(alice.id)
    # a refresh token is no bearer token
    assert me(client, doc["refresh_token"]).status_code == 401
    with app.app_context():
        digests = set(db.session.scalars(select(Token.digest)))
    assert doc["access_token"] not in digests and doc["refresh_token"] not in digests


def test_cookie_grant_needs_a_session_and_a_registered_client(client, people, registered):
    people.user("alice")
    response = cookie_grant(client)
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_grant"
    assert sign_in(client).status_code == 200
    response = client.post("/oauth/token", headers=JSON, data=json.dumps({"grant_type": "password"}))
    assert response.status_code == 400 and "client_id" in response.get_json()["error_description"]
    response = cookie_grant(client, client_id="unknown-app")
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_client"


def test_password_grant_with_credentials_checks_a_given_client_id(client, people, registered):
    people.user("alice")
    form = {"grant_type": "password", "username": "alice", "password": "correct horse"}
    assert client.post("/oauth/token", data={**form, "client_id": CLIENT_ID}).status_code == 200
    assert client.post("/oauth/token", data={**form, "client_id": "nope"}).status_code == 401


# -- refresh tokens ------------------------------------------------------------------------------------

def refresh(client, refresh_token, client_id=CLIENT_ID):
    body = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}
    return client.post("/oauth/token", headers=JSON, data=json.dumps(body))


def test_refresh_rotates_and_a_replay_revokes_the_family(app, people, registered):
    people.user("alice")
    browser = app.test_client()
    sign_in(browser)
    first = cookie_grant(browser).get_json()
    cookieless = app.test_client()  # panoptes-client refreshes without cookies
    response = refresh(cookieless, first["refresh_token"])
    assert response.status_code == 200, response.get_json()
    second = response.get_json()
    assert second["access_token"] != first["access_token"] and second["refresh_token"] != first["refresh_token"]
    assert me(cookieless, second["access_token"]).status_code == 200
    # the old refresh token comes back: refused, and nothing of that grant works any more
    response = refresh(cookieless, first["refresh_token"])
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"
    for token in (first["access_token"], second["access_token"]):
        assert me(cookieless, token).status_code == 401
    assert refresh(cookieless, second["refresh_token"]).status_code == 400


def test_refresh_is_bound_to_its_client(app, client, runner, people, registered):
    people.user("alice")
    runner.invoke(args=["clients", "create", "Other", "--client-id", "other-app"])
    sign_in(client)
    tokens = cookie_grant(client).get_json()
    assert refresh(client, tokens["refresh_token"], "other-app").status_code == 400
    assert refresh(client, "not-a-refresh-token").status_code == 400
    assert refresh(client, tokens["access_token"]).status_code == 400
    assert refresh(client, tokens["refresh_token"]).status_code == 200


# -- sign-out ------------------------------------------------------------------------------------------

def test_sign_out_ends_the_session_and_its_token(app, client, people, registered):
    people.user("alice")
    sign_in(client)
    tokens = cookie_grant(client).get_json()
    token = csrf(client)
    response = client.delete("/users/sign_out", headers={**JSON, "Authorization": f"Bearer {tokens['access_token']}"})
    assert response.status_code == 422  # no CSRF token
    assert session_count(app) == 1
    response = client.delete("/users/sign_out", headers={**JSON, "X-CSRF-Token": token,
                                                         "Authorization": f"Bearer {tokens['access_token']}"})
    assert response.status_code == 204
    assert session_count(app) == 0
    assert cookie_grant(client).status_code == 401
    assert me(client, tokens["access_token"]).status_code == 401
    assert refresh(client, tokens["refresh_token"]).status_code == 400


def test_a_replayed_session_cookie_is_dead_after_sign_out(app, people, registered):
    people.user("alice")
    browser = app.test_client()
    sign_in(browser)
    stolen = browser.get_cookie("hyperapi_session").value
    browser.delete("/users/sign_out", headers={**JSON, "X-CSRF-Token": csrf(browser)})
    thief = app.test_client()
    thief.set_cookie("hyperapi_session", stolen)
    assert cookie_grant(thief).status_code == 401


# -- throttling ----------------------------------------------------------------------------------------

def test_failed_sign_ins_count_toward_login_throttling(app, client, people, registered, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_ACCOUNT", "3 per 10 minutes")
    people.user("alice")
    assert [sign_in(client, password="guess").status_code for _ in range(3)] == [401] * 3
    response = sign_in(client)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0 and "Too many" in response.get_json()["error"]
    # the password grant shares the count
    response = client.post("/oauth/token", data={"grant_type": "password", "username": "alice",
                                                 "password": "correct horse"})
    assert response.status_code == 429 and response.headers["Retry-After"]


# -- client applications (CLI) -------------------------------------------------------------------------

def test_clients_create_prints_the_id(app, runner):
    result = runner.invoke(args=["clients", "create", "Generated"])
    assert result.exit_code == 0
    generated = result.output.splitlines()[-1]
    assert len(generated) >= 16
    result = runner.invoke(args=["clients", "create", "Given", "--client-id", "f79cf5ea821bb161d8cbb52d061ab9a2"])
    assert result.output.splitlines()[-1] == "f79cf5ea821bb161d8cbb52d061ab9a2"
    again = runner.invoke(args=["clients", "create", "Again", "--client-id", "f79cf5ea821bb161d8cbb52d061ab9a2"])
    assert again.exit_code != 0 and "exists already" in again.output
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(OAuthClient)).scalar_one() == 2


def test_demo_registers_a_first_party_client(client, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0 and "hyperapi-demo-web" in result.output
    assert runner.invoke(args=["demo"]).exit_code == 0
    token = csrf(client)
    body = {"authenticity_token": token, "user": {"login": "alice", "password": "demo-password"}}
    assert client.post("/users/sign_in", headers=JSON, data=json.dumps(body)).status_code == 200
    assert cookie_grant(client, client_id="hyperapi-demo-web").status_code == 200


# -- cross-origin front-ends ---------------------------------------------------------------------------

@pytest.fixture
def cors_app(_migrated_app):
    return create_app({"SQLALCHEMY_DATABASE_URI": _migrated_app.config["SQLALCHEMY_DATABASE_URI"],
                       "CORS_ORIGINS": ["https://front.example.org"], "SECRET_KEY": "test"})


@pytest.mark.parametrize("path", ["/users/sign_in", "/oauth/token", "/users/sign_out"])
def test_an_allowed_origin_may_send_credentials(cors_app, path):
    response = cors_app.test_client().options(path, headers={
        "Origin": "https://front.example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type, X-CSRF-Token"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://front.example.org"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "x-csrf-token" in response.headers["Access-Control-Allow-Headers"].lower()
    assert "Origin" in ",".join(response.headers.getlist("Vary"))
    response = cors_app.test_client().get("/users/sign_in", headers={"Origin": "https://front.example.org"})
    assert "X-CSRF-Token" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("path", ["/users/sign_in", "/oauth/token"])
def test_other_origins_get_no_credentials(cors_app, path):
    client = cors_app.test_client()
    response = client.options(path, headers={"Origin": "https://evil.example.org",
                                             "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers
    response = client.get("/users/sign_in", headers={"Origin": "https://evil.example.org"})
    assert "Access-Control-Allow-Origin" not in response.headers
    # the bearer-only API stays open to every origin, without credentials
    response = client.get("/api", headers={"Origin": "https://evil.example.org"})
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://evil.example.org")
    assert "Access-Control-Allow-Credentials" not in response.headers
