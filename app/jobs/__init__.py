"""Jobs: long writes (app/operations/long.py) run off the request path.

Huey moves and runs the work (``queue.py``: a SQLite file by default, Redis in production); the ``jobs``
rows are what the API serves and what makes a run safe (``runner.py``: claim, heartbeat, the result
recorded in the work's own transaction, the reaper of lost workers, retention).
"""
