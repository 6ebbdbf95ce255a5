# Verbs: install · run · test · test-quick · test-browser · lint · bench · battery. Everything
# runs from the project's .venv; `web` installs web/'s locked npm packages (axe-core for the
# browser tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
PORT ?= 8000

.PHONY: install install-run run test test-quick test-browser web lint format bench bench-smoke battery audit clean

# hashing/_probe.c too: an editable install compiles it once, so a changed one needs a reinstall.
$(STAMP): pyproject.toml requirements.lock hashing/_probe.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[service,dev,bench]'
	touch $(STAMP) $(RUN_STAMP)

install: $(STAMP)

# What running needs, without the test and benchmark tools: `make run` on a fresh clone.
$(RUN_STAMP): pyproject.toml requirements.lock hashing/_probe.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[service]'
	touch $(RUN_STAMP)

install-run: $(RUN_STAMP)

# The pages' scripts are plain ES modules served as they are in service/static: no bundler, so
# nothing is built. npm only brings test tools, pinned by web/package-lock.json.
WEB_DEPS := web/node_modules/.package-lock.json

$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_DEPS)

web: $(WEB_DEPS)

run: install-run
	$(BIN)/takedown up --port $(PORT)

# Texts people read (docs/glossary.md): the messages the code marks go into every catalogue,
# then each .po (what a translator edits) is compiled to the .mo that is shipped beside it.
# Letters to platforms have their own template, letters.pot, and no translation yet.
.PHONY: translations
translations: install
	pot=$$(mktemp) && $(BIN)/pybabel --quiet extract -F babel.cfg --no-location --sort-output \
	  -k N_plural:1,2 -o $$pot . && $(BIN)/pybabel --quiet update -i $$pot -d hashing/locales -D takedown \
	  --ignore-obsolete; status=$$?; rm -f $$pot; exit $$status
	$(BIN)/pybabel compile --statistics -d hashing/locales -D takedown
	$(BIN)/pybabel --quiet extract -F babel-letters.cfg --no-location --sort-output \
	  --header-comment "$$(cat casework/notices/letters/TRANSLATORS)" -o hashing/locales/letters.pot .
	if ls hashing/locales/*/LC_MESSAGES/letters.po >/dev/null 2>&1; then \
	  $(BIN)/pybabel --quiet update -i hashing/locales/letters.pot -d hashing/locales -D letters \
	  --ignore-obsolete && $(BIN)/pybabel compile --statistics -d hashing/locales -D letters; fi

# Accuracy and speed against the references, one script after another (~20 min on 2 cores);
# tables in benchmarks/results/*.md, copied into benchmarks/README.md. Needs wrk (Debian); the
# service benchmark fills a PostgreSQL database of its own and drops it afterwards.
bench: install
	bash .ci/services
	$(BIN)/python -m benchmarks.robustness
	$(BIN)/python -m benchmarks.robustness --set other
	$(BIN)/python -m benchmarks.faint_pdq
	$(BIN)/python -m benchmarks.index_speed
	$(BIN)/python -m benchmarks.hashing_speed
	$(BIN)/python -m benchmarks.service_speed

# The same scripts on tiny inputs (what tests/benchmarks runs in CI); no timing is asserted.
bench-smoke: install
	$(BIN)/python -m pytest tests/benchmarks -q

# The suite runs in TEST_WORKERS pytest-xdist processes: most tests wait on subprocesses, servers
# and Chromium, so 3 keep 2 cores busy. Worker N uses Redis database TAKEDOWN_TEST_REDIS + N
# (default 9, so 9-11) and a PostgreSQL database of its own. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 3
PYTEST_PARALLEL = -n $(TEST_WORKERS) --dist loadgroup

# Installs Debian's Chromium for the browser tests when it is missing (as root; otherwise it says
# loudly that they will be skipped, and so does pytest's last line).
test: install web
	bash .ci/services
	bash .ci/chromium
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

# A developer's quick run: everything but the tests marked slow (a killed worker's recovery, the
# corpus matched end to end: minutes each). `make test` and CI run those too.
test-quick: install web
	bash .ci/services
	bash .ci/chromium
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not slow"

# The reliability battery of reliability.md section 5 (SSRF, hostile content, faults, abuse,
# load), with the longer load run; prints the summary table. `make test` runs it all too, with a
# short load burst.
battery: install web
	bash .ci/services
	TAKEDOWN_LOAD_SECONDS=120 $(BIN)/python -m pytest -q tests/workers tests/reports tests/reliability tests/service tests/casework tests/platforms tests/console -m "not browser"

# Known vulnerabilities in the locked dependencies, when the advisory service can be reached.
audit: install
	bash .ci/audit

test-browser: install web
	bash .ci/services
	bash .ci/chromium
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
