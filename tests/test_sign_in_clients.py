"""panoptes-client's own sign-in flow (auth.signIn, a write, checkBearerToken refreshing, auth.signOut),
run by Node against the live server on loopback."""
from tests.conftest import PANOPTES
from tests.live_server import live_server  # noqa: F401 - fixture
from tests.test_real_clients import exchanges, needs_node, run_node

CLIENT_ID = "f79cf5ea821bb161d8cbb52d061ab9a2"


@needs_node
def test_panoptes_client_signs_in_writes_refreshes_and_signs_out(app, client, runner, people, live_server,  # noqa: F811
                                                                  monkeypatch):
    # shorter than the client's five-minute margin: every token it gets counts as expired at once
    monkeypatch.setitem(app.config, "TOKEN_LIFETIME", 120)
    alice = people.user("alice", password="correct horse")
    assert runner.invoke(args=["clients", "create", "Front end", "--client-id", CLIENT_ID]).exit_code == 0
    out = run_node("auth_panoptes.js", {"API_BASE": live_server.base_url, "LOGIN": "alice",
                                        "PASSWORD": "correct horse", "CLIENT_ID": CLIENT_ID})
    assert out["refused"]["status"] == 401
    assert out["user"] == {"id": str(alice.id), "login": "alice"}
    assert out["created"]["id"] and out["created"]["owner"]["id"] == str(alice.id)
    assert out["refreshed_token"] and out["refreshed_token"] != out["first_token"]
    assert out["refreshed_token"] in out["tokens"] and len(set(out["tokens"])) == len(out["tokens"])
    assert out["header_after_refresh"] == "Bearer " + out["refreshed_token"]
    assert out["me_after_refresh"] == out["user"]
    assert out["signed_out"] is None and out["current_after_sign_out"] is None
    # the server saw the whole flow, in order, at Panoptes' paths
    flow = [(e.method, e.raw_uri.split("?")[0], e.status) for e in live_server.exchanges
            if not e.raw_uri.startswith("/api/collections")]
    assert ("GET", "/users/sign_in/", 200) in flow
    assert ("POST", "/users/sign_in", 200) in flow
    assert ("POST", "/users/sign_in", 401) in flow
    assert ("DELETE", "/users/sign_out", 204) in flow
    grants = exchanges(live_server, "POST", "/oauth/token")
    assert grants[-1].status == 401  # the session grant after sign-out
    refreshes = [e for e in grants if b'"refresh_token"' in e.request_body]
    assert refreshes and all(e.status == 200 for e in refreshes)
    # each refresh sent the refresh token the previous answer rotated in
    assert len({e.request_body for e in refreshes}) == len(refreshes)
    # sign-out ended the token the client held and its session
    for token in out["tokens"]:
        assert client.get("/api/me", headers={"Accept": PANOPTES, "Authorization": f"Bearer {token}"}).status_code == 401
    assert live_server.failures == []
