# overleg: two commands, `make run` and `make test`; each bootstraps what it needs.
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app overleg

.PHONY: run test lint format bench load migration translations clean

run:
	@bash scripts/bootstrap.sh run
	$(FLASK) db upgrade
	$(FLASK) seed
	$(FLASK) demo-data --if-empty
	@# The outbox sender runs beside the web server and stops with it.
	$(FLASK) outbox send --loop & sender=$$!; \
	trap 'kill $$sender 2>/dev/null; wait $$sender 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# The whole suite twice: on SQLite, then on a temporary PostgreSQL cluster that the test setup
# starts and removes (the bootstrap installs PostgreSQL; tests/support/pgcluster.py).
test:
	@bash scripts/bootstrap.sh test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r overleg
	$(BIN)/pytest --db=sqlite
	$(BIN)/pytest --db=postgres

lint:
	@bash scripts/bootstrap.sh test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r overleg

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench:
	@bash scripts/bootstrap.sh test
	$(BIN)/python -m bench

# Two gunicorn workers on SQLite (WAL) and on PostgreSQL under wrk; merges a "load" key into
# bench/results.json.
load:
	@bash scripts/bootstrap.sh load
	$(BIN)/python -m bench.load

# Extract the user-facing strings and update the English catalogue.
translations:
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations
	$(BIN)/pybabel -q compile -d translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
