"""CORS for browser clients and the optional rate limit."""
from app import create_app
from tests.conftest import JSONAPI


def test_cors_preflight_and_exposed_headers(client):
    response = client.options("/api/collections", headers={
        "Origin": "https://app.example.org", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "Authorization, If-Match, Content-Type"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://app.example.org")
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]
    assert "if-match" in response.headers["Access-Control-Allow-Headers"].lower()
    response = client.get("/api/collections", headers={"Origin": "https://app.example.org", "Accept": JSONAPI})
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


def test_rate_limit_answers_429_in_the_callers_dialect(_migrated_app, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": _migrated_app.config["SQLALCHEMY_DATABASE_URI"],
                      "RATE_LIMIT": "3 per minute"})
    client = app.test_client()
    statuses = [client.get("/api").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api", headers={"Accept": "application/vnd.api+json; version=1"})
    assert response.status_code == 429
    assert response.get_json()["errors"][0]["message"]
    response = client.get("/api", headers={"Accept": JSONAPI})
    assert response.get_json()["errors"][0]["status"] == "429"
    # load balancers' health checks are never limited
    assert {client.get("/api/health").status_code for _ in range(6)} == {200}
