# The two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The address in every absolute link (emails, feeds, sitemap): the port the portal runs on.
SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test lint format worker beat bench mutation mutation-clean clean html-checker

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

## Run the portal locally: SQLite, in-process tasks, console email, local files, demo content.
run: $(VENV)/.runtime
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py migrate --noinput
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py load_demo
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## Run the whole test suite (integration tests skip without their services unless REQUIRE_SERVICES=1).
test: $(VENV)/.dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## The W3C Nu HTML Checker of the page tests (core/testing/vnu.py: vnu-jar at its pinned
## version, with npm, into .cache/vnu/); the tests install it on first use too. Needs Java.
html-checker: $(VENV)/.dev
	$(BIN)/python -c "from core.testing import vnu; print(vnu.checker()[1])"

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Production-style processes (need REDIS_URL).
worker: $(VENV)/.runtime
	$(BIN)/celery -A portal worker -Q celery,email,media --loglevel=INFO

beat: $(VENV)/.runtime
	$(BIN)/celery -A portal beat --loglevel=INFO

bench: $(VENV)/.dev
	$(BIN)/python -m bench

## Mutation testing of the modules that guard access and delivery (docs/testing.md, "Mutation
## score"): PostgreSQL and Redis up, one worker process, not part of `make test` nor of CI.
## Results are kept in mutants/ and only changed functions are re-run: `make mutation-clean`
## for a fresh measure; `make mutation MUTANTS='core.smtp.*'` for one module's mutants.
MUTATION_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
MUTATION_REDIS_URL ?= redis://127.0.0.1:6379/1
$(VENV)/.mutation: requirements-mutation.txt requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-mutation.txt
	touch $@ $(VENV)/.dev $(VENV)/.runtime

mutation: $(VENV)/.mutation
	DATABASE_URL=$(MUTATION_DATABASE_URL) REDIS_URL=$(MUTATION_REDIS_URL) REQUIRE_SERVICES=1 \
		PYTEST_ADDOPTS="-p tools.mutation_subsets" $(BIN)/mutmut run --max-children 1 $(MUTANTS)
	$(BIN)/python tools/mutation_report.py

mutation-clean:
	rm -rf mutants

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles mutants
