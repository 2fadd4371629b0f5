# Incident Desk: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed

.PHONY: run test clock setup lint bench screenshots clean coverage mutation package fuzz

$(STAMP): pyproject.toml scripts/setup.sh
	PYTHON=$(PYTHON) VENV=$(VENV) bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

## Start the application on its built-in SQLite database (created, migrated and
## filled with demo data on first start).
run: $(STAMP)
	$(VENV)/bin/incidentdesk --demo-if-empty

## Lint, type-check, layer contracts, the whole test suite (SQLite and PostgreSQL), then `clock`.
test: $(STAMP)
	bash scripts/test.sh

## Mutation testing of the domain rules (app/domain) against the unit tests: mutmut changes the
## code one small way at a time and each change must make a test fail. Slow (about half an
## hour on two cores); not part of `make test`. Survivors: `$(VENV)/bin/mutmut results`, one
## of them: `$(VENV)/bin/mutmut show NAME`.
MUTATION_JOBS ?= 2
mutation: $(STAMP)
	rm -rf mutants
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/mutmut run --max-children $(MUTATION_JOBS)
	@$(VENV)/bin/mutmut results --all true | sed 's/.*: //' | sort | uniq -c

## The fuzz tests (tests/fuzz) with their long profile (INCIDENTDESK_FUZZ=long): thousands of
## generated inputs at each door instead of CI's tens, and how many cases each target ran.
## Not part of `make test` (about half an hour on two cores).
fuzz: $(STAMP)
	INCIDENTDESK_FUZZ=long QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -q -p no:xdist \
		--hypothesis-show-statistics tests/fuzz

## The time-sensitive tests four ways: travelled to a Saturday 23:30 and a Monday 09:00
## (Europe/Brussels, ticking), and under TZ=Asia/Tokyo and TZ=America/Los_Angeles.
clock: $(STAMP)
	bash scripts/clock.sh

lint: $(STAMP)
	bash scripts/lint.sh

## The test suite with a line coverage report of every file of the domain, the services
## and the views (the lines no test runs listed); `make test` prints the three totals.
coverage: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -q --cov --cov-report=term-missing:skip-covered

## The workstation installers, built and checked (a few minutes, one PyInstaller build): the
## one-folder bundle, the .deb and the .tar.gz (tests/packaging/test_bundle.py), left in
## build/packages. Admins build their site's with `incidentdesk package` (packaging/README.md).
package: $(STAMP)
	$(VENV)/bin/python -m pip install -q -e ".[package]"
	INCIDENTDESK_TEST_PACKAGE=1 INCIDENTDESK_PACKAGE_OUT=build/packages QT_QPA_PLATFORM=offscreen \
		$(VENV)/bin/pytest -q -p no:xdist --timeout 1200 tests/packaging/test_bundle.py

bench: $(STAMP)
	$(PY) bench/queue.py --incidents 100000 --db sqlite

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
