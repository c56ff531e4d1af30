# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Exact versions with hashes of every runtime and dev dependency; `make lock` rewrites it.
LOCK := requirements/dev.lock
UV_VERSION := 0.13.9
# The Makefile is a developer's tool: its commands run as development unless told otherwise
# (without SHISETSU_ENV the app refuses the default secret key).
export SHISETSU_ENV ?= development

.PHONY: run test lint layers typecheck pytest test-dates test-random install messages mutants clean

# The lock installs first (every file checked against its hash), then the project itself
# without resolving anything again.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)
	$(BIN)/shisetsu i18n compile

## make run: embedded SQLite, demo data, http://127.0.0.1:5000
run: install
	$(BIN)/shisetsu tenants migrate
	$(BIN)/shisetsu demo seed
	$(BIN)/shisetsu run --host 127.0.0.1 --port 5000

## make test: ruff, the import-layer contracts, mypy, pytest (PostgreSQL/Redis/Chromium suites
## when reachable), then the date-sensitive tests again at each fixed date
test: install lint typecheck pytest test-dates

lint: layers
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## make layers: packages import only downwards, domains never import consoles (.importlinter)
layers:
	$(BIN)/lint-imports

typecheck:
	$(BIN)/mypy

# Two xdist workers; a file's tests stay on one worker (module fixtures such as the
# journeys' stack are built once). Random order, seed printed (pytest-randomly); files go
# out in collection order, the slow browser/journey files first (tests/fixtures/schedule.py).
PYTEST := $(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder

pytest:
	$(PYTEST)

# The tests whose answers hang on the calendar (booking windows and refunds, slot
# calendars and closures, lottery calendars, group validity, retention cut-offs, usage
# months) carry the `dates` marker; they run again on SQLite (dates are computed in Python,
# the same on both databases) with "now" pinned to each instant of FIXED_DATES in
# tests/fixtures/clock.py. One pytest session: one xdist worker per instant (its
# SHISETSU_TEST_NOW set through the worker's spec, shown as its id), each running every
# marked test (`--dist each`). Everything else runs at the default instant only.
FIXED_DATES := new-year golden-week month-end fourth-monday friday-evening
DATE_WORKERS := $(foreach when,$(FIXED_DATES),--tx popen//id=$(when)//env:SHISETSU_TEST_NOW=$(when))

test-dates:
	$(BIN)/pytest --dist each $(DATE_WORKERS) \
		-m "dates and not postgres and not redis and not browser"

## make test-random: pytest with Hypothesis drawing new examples (CI runs derandomized)
test-random: install
	HYPOTHESIS_PROFILE=random $(PYTEST)

## make lock: resolve pyproject.toml's ranges again into $(LOCK) (versions and hashes).
## Pins already in the lock are kept where they still fit; `make lock UPGRADE=--upgrade`
## moves every package to the newest version its range allows.
.PHONY: lock
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --quiet $(UPGRADE) -o $(LOCK)

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
	rm -rf $(VENV) instance .mypy_cache .ruff_cache .pytest_cache .import_linter_cache node_modules
