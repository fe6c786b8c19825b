# The two quick-start commands are `make serve` and `make test`; everything else supports them.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
CLIENTS = tests/clients

.PHONY: setup node browser serve test test-sqlite test-postgres fuzz-api bench load

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

# Set up, migrate, load demo data and serve on http://127.0.0.1:5000/api (SQLite in instance/).
serve: setup
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo
	$(BIN)/flask --app wsgi run --host 127.0.0.1 --port 5000

# Set up and run the whole suite twice: on PostgreSQL (a throw-away cluster on 127.0.0.1, Debian's
# postgresql package installed when missing; see scripts/with-postgres.sh), then on SQLite.
# The schema-driven fuzzing (tests/test_api_fuzz.py) runs in the PostgreSQL pass only (API_FUZZ=1), the
# browser test (which does not touch the database) in the SQLite pass only (SKIP_BROWSER). The
# SQLite pass runs on two processes (pytest-xdist; each has its own database file); the PostgreSQL pass runs on
# one, since a test there stops and restarts the cluster.
SQLITE_WORKERS ?= 2
test: setup node browser
	@status=0; \
	API_FUZZ=1 SKIP_BROWSER=1 bash scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_ARGS) || status=$$?; \
	env -u TEST_DATABASE_URL $(BIN)/pytest -n $(SQLITE_WORKERS) $(PYTEST_ARGS) || status=$$?; \
	exit $$status

# One database only (with the fuzzing).
test-postgres: setup node browser
	API_FUZZ=1 bash scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_ARGS)

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

# Mixed read/write load against gunicorn (2 and 4 workers) on a throw-away PostgreSQL cluster.
load: setup
	bash scripts/with-postgres.sh $(BIN)/python bench/load_bench.py $(LOAD_ARGS)
