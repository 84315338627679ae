# Buurtcoop — `make help` lists the targets.
# Debian's own Python 3.11 when it can make a virtualenv: Debian builds it with PGO and LTO
# and links it statically. A python3 earlier in PATH may not be so built (pyenv's 3.11.7
# here: a vote took 13% more instructions, counted with callgrind). `make PYTHON=…` chooses.
DEBIAN_PYTHON := $(shell /usr/bin/python3.11 -c 'import ensurepip, venv' 2>/dev/null && echo /usr/bin/python3.11)
PYTHON ?= $(or $(DEBIAN_PYTHON),python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.DEFAULT_GOAL := help
.PHONY: help run test test-sqlite test-postgres lint format translations translate-update bench system-deps clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/.run-installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.run-installed $@

translations: $(VENV)/.run-installed ## Compile the Dutch and English catalogues
	$(BIN)/flask translate compile

translate-update: $(VENV)/.run-installed ## Extract messages and update the catalogues
	$(BIN)/flask translate update

run: $(VENV)/.run-installed translations ## Install, migrate, load demo data if empty, serve on 127.0.0.1:5000
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask coop demo --if-empty
	$(BIN)/flask coop statutes sync-library
	$(BIN)/flask run --host $(HOST) --port $(PORT)

system-deps: ## Install Debian packages the tests need (Chromium, PostgreSQL, poppler)
	@scripts/system-deps.sh

lint: $(VENV)/.dev-installed ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(VENV)/.dev-installed system-deps translations lint ## Lint, then the whole suite on SQLite and on PostgreSQL
	@# Both databases at once, one per core; each run's output is printed when it ends.
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: $(VENV)/.dev-installed translations ## The suite on SQLite
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.dev-installed translations ## The suite on a throwaway PostgreSQL server
	scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_ARGS)

bench: $(VENV)/.dev-installed translations ## Benchmarks (prints BENCH lines; not part of make test)
	$(BIN)/python -m bench

clean: ## Remove the virtual environment and generated files
	rm -rf $(VENV) test-artifacts bench/.data translations/*/LC_MESSAGES/*.mo
