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
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test:
	@bash scripts/bootstrap.sh test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

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

# Extract the user-facing strings and update the English catalogue.
translations:
	$(BIN)/pybabel extract -q -F babel.cfg -k _l -o translations/messages.pot .
	$(BIN)/pybabel update -q -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -q -d translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
