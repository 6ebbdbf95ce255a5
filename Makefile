# Verbs: install · run · test · test-browser · lint · bench · battery. Everything runs from the
# project's .venv; `web` installs web/'s locked npm packages (axe-core for the browser tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-browser web lint format bench battery clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[service,dev]'
	touch $(STAMP)

install: $(STAMP)

# The pages' scripts are plain ES modules served as they are in service/static: no bundler, so
# nothing is built. npm only brings test tools, pinned by web/package-lock.json.
WEB_DEPS := web/node_modules/.package-lock.json

$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_DEPS)

web: $(WEB_DEPS)

run: install
	$(BIN)/takedown up

test: install web
	bash .ci/services
	$(BIN)/python -m pytest

test-browser: install web
	bash .ci/services
	$(BIN)/python -m pytest -m browser

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache takedown-data
