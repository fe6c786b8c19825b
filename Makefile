# The two quick-start commands are `make serve` and `make test`; everything else supports them.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
CLIENTS = tests/clients

.PHONY: setup node browser serve test test-sqlite test-postgres fuzz-api bench bench-paging bench-outside bench-jobs load

setup: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node: $(CLIENTS)/node_modules/.installed

$(CLIENTS)/node_modules/.installed: $(CLIENTS)/package.json $(CLIENTS)/package-lock.json
	cd $(CLIENTS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Set up, migrate, load demo data and serve on http://127.0.0.1:5000/api (SQLite in instance/), with the job
# worker (Prefer: respond-async; its queue is a SQLite file in instance/ too) beside the server.
serve: setup
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo
	$(BIN)/flask --app wsgi jobs worker & trap "kill $$! 2>/dev/null" EXIT; \
	$(BIN)/flask --app wsgi run --host 127.0.0.1 --port 5000

# Set up and run the whole suite twice: on PostgreSQL with Redis (throw-away servers on 127.0.0.1, Debian's
# postgresql and redis-server packages installed when missing; see scripts/with-postgres.sh and
# with-redis.sh: jobs queue on Redis, rate limits count there), then on SQLite (jobs on Huey's SQLite file).
# The schema-driven fuzzing (tests/test_api_fuzz.py) runs in the PostgreSQL pass only (API_FUZZ=1), the
# browser test (which does not touch the database) in the SQLite pass only (SKIP_BROWSER). Both passes run
# on two processes (pytest-xdist): each has its own SQLite file or PostgreSQL database (tests/conftest.py);
# the one test that stops and restarts the PostgreSQL cluster (marker `cluster`) runs alone after the rest.
WORKERS ?= 2
test: setup node browser
	@status=0; \
	API_FUZZ=1 SKIP_BROWSER=1 bash scripts/with-redis.sh bash scripts/with-postgres.sh sh -c \
		'$(BIN)/pytest -n $(WORKERS) -m "not cluster" $(PYTEST_ARGS); a=$$?; \
		 $(BIN)/pytest -m cluster $(PYTEST_ARGS); b=$$?; [ $$a -eq 0 ] && { [ $$b -eq 0 ] || [ $$b -eq 5 ]; }' || status=$$?; \
	env -u TEST_DATABASE_URL $(BIN)/pytest -n $(WORKERS) $(PYTEST_ARGS) || status=$$?; \
	exit $$status

# One database only (with the fuzzing).
test-postgres: setup node browser
	API_FUZZ=1 bash scripts/with-redis.sh bash scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_ARGS)

test-sqlite: setup node browser
	env -u TEST_DATABASE_URL API_FUZZ=1 $(BIN)/pytest $(PYTEST_ARGS)

# Debian's chromium for the explorer's browser test (installed when missing; see the script).
browser:
	bash scripts/ensure-chromium.sh

# The full schema-driven fuzzing sweep, on SQLite: schemathesis' examples, coverage and fuzzing phases over
# every operation in both dialects (CI runs the coverage phase over a sample of the operations), failing on any
# accepted schema-violating request and printing the schema-valid requests the server rejects.
fuzz-api: setup
	env -u TEST_DATABASE_URL API_FUZZ=1 API_FUZZ_EXAMPLES=$${API_FUZZ_EXAMPLES:-25} API_FUZZ_VALID=1 \
		API_FUZZ_PHASES=examples,coverage,fuzzing API_FUZZ_MAX_TIME=3600 $(BIN)/pytest -s -p no:logging \
		tests/test_api_fuzz.py

bench: setup
	$(BIN)/python bench/collections_bench.py

# Pages of 100,000-member relations against 10-member ones, by number and by cursor, on SQLite then on a
# throw-away PostgreSQL cluster; BEFORE_ROOT=/path/to/main-checkout adds that code's figures side by side.
PAGING_ARGS ?=
bench-paging: setup
	$(BIN)/python bench/paging_bench.py $(PAGING_ARGS) $(if $(BEFORE_ROOT),--before-root $(BEFORE_ROOT))
	bash scripts/with-postgres.sh $(BIN)/python bench/paging_bench.py --database-env TEST_DATABASE_URL \
		$(PAGING_ARGS) $(if $(BEFORE_ROOT),--before-root $(BEFORE_ROOT))

# The collection list against flask-rest-jsonapi (own venv, pinned old stack) and a plain orjson app.
bench-outside: setup
	$(BIN)/python bench/outside_bench.py $(OUTSIDE_ARGS)

# Mixed read/write load against gunicorn (2 and 4 workers) on a throw-away PostgreSQL cluster.
load: setup
	bash scripts/with-postgres.sh $(BIN)/python bench/load_bench.py $(LOAD_ARGS)

# Read latency while slow imports run: idle, as jobs (Prefer: respond-async) and in the requests (SQLite).
bench-jobs: setup
	env -u TEST_DATABASE_URL -u TEST_REDIS_URL $(BIN)/python bench/jobs_bench.py $(BENCH_ARGS)
