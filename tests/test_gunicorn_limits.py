"""The gunicorn configuration the project ships (gunicorn.conf.py), against a real gunicorn: URLs up to
its request-line limit (a filter[id] list of 1,300 ids) and a long If-None-Match list are served as JSON;
past the documented limit gunicorn itself refuses the request."""
import requests

from tests.conftest import JSONAPI
from tests.gunicorn_server import GunicornServer
from tests.reading_seed import make_collection


def test_long_urls_and_header_lists_reach_the_api(app, client, people):
    cid = int(make_collection(client, people.user("alice"), "Flowers"))
    with GunicornServer(app.config["SQLALCHEMY_DATABASE_URI"], workers=1) as server:
        ids = [cid] + list(range(10000, 11299))  # 1,300 ids of up to five digits
        path = "/api/collections?filter[id]=" + ",".join(map(str, ids)) + "&page_size=100"
        assert 7000 < len(path) < 8100  # past gunicorn's default request line of 4094 bytes
        response = requests.get(server.base_url + path, headers={"Accept": JSONAPI}, timeout=30)
        assert response.status_code == 200, response.text[:300]
        assert [c["id"] for c in response.json()["data"]] == [str(cid)]
        etag = requests.get(f"{server.base_url}/api/collections/{cid}", headers={"Accept": JSONAPI},
                            timeout=30).headers["ETag"]
        tags = ", ".join([f'"{n:012x}"' for n in range(3000)] + [etag])  # about 48 KB
        response = requests.get(f"{server.base_url}/api/collections/{cid}",
                                headers={"Accept": JSONAPI, "If-None-Match": tags}, timeout=30)
        assert response.status_code == 304, response.text[:300]
        # past the documented limits gunicorn refuses before the application runs
        too_long = "/api/collections?filter[id]=" + ",".join(str(n) for n in range(10000, 11700))
        assert requests.get(server.base_url + too_long, timeout=30).status_code in (400, 414)
        huge = requests.get(server.base_url + "/api/collections", headers={"If-None-Match": "x" * 70000}, timeout=30)
        assert huge.status_code in (400, 431)
