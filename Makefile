# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest install messages mutants clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)
	$(BIN)/shisetsu i18n compile

## make run: embedded SQLite, demo data, http://127.0.0.1:5000
run: install
	$(BIN)/shisetsu tenants migrate
	$(BIN)/shisetsu demo seed
	$(BIN)/shisetsu run --host 127.0.0.1 --port 5000

## make test: ruff, mypy, pytest (PostgreSQL/Redis/Chromium suites when reachable)
test: install lint typecheck pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest -q

## make mutants: mutation testing of the critical modules, prints the kill rate (slow: not
## part of make test); MODULES="audit lottery" for some of tenancy holds booking lottery audit
## auth, MODULES="audit --sqlite-only" to leave out the PostgreSQL tests
mutants: install
	$(BIN)/python .ci/mutants.py $(MODULES)

## make messages: re-extract strings and update both catalogues
messages:
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i messages.pot -d platform/shisetsu/translations --no-fuzzy-matching -w 100
	rm messages.pot

clean:
	rm -rf $(VENV) instance .mypy_cache .ruff_cache .pytest_cache node_modules
