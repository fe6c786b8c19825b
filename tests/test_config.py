"""Settings come from the environment with the contract's defaults."""
from app.config import from_environment


def test_defaults_follow_the_contract(tmp_path):
    config = from_environment(str(tmp_path), env={})
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(tmp_path / "hyperapi.sqlite3")
    assert config["PANOPTES_DIALECT"] is True
    assert config["MAX_CONTENT_LENGTH"] == 10 * 1024 * 1024
    assert (config["INCLUDE_MAX_DEPTH"], config["INCLUDE_MAX_RESOURCES"]) == (3, 5000)
    assert (config["PAGE_SIZE_DEFAULT"], config["PAGE_SIZE_MAX"]) == (20, 100)
    assert config["MANIFEST_MAX_BYTES"] == 20 * 1024 * 1024
    assert config["MANIFEST_FETCH_TIMEOUT"] == 30
    assert config["QUERY_COUNT_HEADER"] is False
    assert config["RATE_LIMIT"] is None
    assert config["PASSWORD_HASH_METHOD"] == "scrypt"


def test_environment_overrides(tmp_path):
    config = from_environment(str(tmp_path), env={
        "DATABASE_URL": "postgresql+psycopg://u:p@127.0.0.1/db", "PANOPTES_DIALECT": "false",
        "PAGE_SIZE_MAX": "50", "QUERY_COUNT_HEADER": "1", "SECRET_KEY": "s3cret", "RATE_LIMIT": "10/minute"})
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert config["PANOPTES_DIALECT"] is False
    assert config["PAGE_SIZE_MAX"] == 50
    assert config["QUERY_COUNT_HEADER"] is True
    assert config["SECRET_KEY"] == "s3cret"
    assert config["RATE_LIMIT"] == "10/minute"
