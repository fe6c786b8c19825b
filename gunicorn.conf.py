"""gunicorn settings the API needs; gunicorn reads this file when started from the repository root
(``gunicorn wsgi:app``), or name it with ``-c gunicorn.conf.py``. Workers, bind address and timeouts stay
the deployment's choice (command line or GUNICORN_CMD_ARGS).

Request size limits, raised from gunicorn's defaults (4094-byte request line, 8190-byte header fields):
- the request line up to 8190 bytes, gunicorn's highest finite limit: enough for a ``filter[id]`` list of
  about 1,300 five-digit ids (or 1,600 four-digit ones) beside other parameters;
- each header up to 64 KiB, so an ``If-None-Match`` list of a few thousand ETags fits;
- at most 100 header fields (gunicorn's default).
Past them gunicorn refuses the request before the application sees it: 414 (request line) or 431 (a header,
or too many), answered as a JSON:API error document (app/gunicorn_errors.py) rather than gunicorn's HTML.
"""
limit_request_line = 8190
limit_request_field_size = 65536
limit_request_fields = 100


def post_worker_init(worker):
    import gc

    from app.gunicorn_errors import answer_in_json
    answer_in_json(worker)
    # The loaded application (models, schemas, routes, the OpenAPI description: ~175,000 objects) lives as long
    # as the worker; frozen, the collector's full passes stop walking it. Those passes had cost about a quarter
    # of a 20-resource list's CPU and half of a 100-resource one's (docs/performance.md, "Garbage collection").
    gc.collect()
    gc.freeze()
