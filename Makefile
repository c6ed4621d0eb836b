# jupyter-promote: every target sets up what it needs (a .venv with the project installed).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
# Browser tests drive the system Chromium (/usr/bin/chromium): playwright must not download its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: setup demo test lint labtest browser postgres typecheck bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	@touch $(STAMP)

# The JupyterLab extension: `pip install -e` builds it once (hatch-jupyter-builder); this rebuilds
# it when its sources change and copies it where .venv/bin/jupyter lab looks for it.
LABENV := PATH=$(CURDIR)/$(VENV)/bin:$$PATH NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
JLPM := $(CURDIR)/$(VENV)/bin/jlpm
LABEXT_BUILT := jupyter_promote/labextension/package.json
LABEXT_DEST := $(VENV)/share/jupyter/labextensions/jupyter-promote
LABEXT_SRC := $(wildcard labextension/src/*.ts labextension/src/*.tsx labextension/src/*/*.tsx \
	labextension/style/* \
	labextension/schema/*) labextension/package.json labextension/yarn.lock

$(LABEXT_BUILT): $(STAMP) $(LABEXT_SRC)
	cd labextension && $(LABENV) $(JLPM) install && $(LABENV) $(JLPM) build
	rm -rf $(LABEXT_DEST) && mkdir -p $(LABEXT_DEST)
	cp -r jupyter_promote/labextension/. labextension/install.json $(LABEXT_DEST)/
	@touch $@

setup: $(STAMP) $(LABEXT_BUILT)  ## create .venv, install the project with its test extras and the lab extension

DEMO := demo-project
JP := $(CURDIR)/$(VENV)/bin/jupyter promote
demo: setup  ## local Prefect stack up; the loans example promoted every minute; first run shown
	@mkdir -p $(DEMO) && cp -n example_notebooks/loans.ipynb $(DEMO)/loans.ipynb
	cd $(DEMO) && $(JP) check loans.ipynb
	cd $(DEMO) && $(JP) up
	cd $(DEMO) && $(JP) promote loans.ipynb --name loan-allocation --owner "$${USER:-demo}" \
		--team capital-markets --schedule "* * * * *" --tz UTC --sla 17:00 --tier critical \
		--consumer regulatory-tape --consumer ops-dashboard
	cd $(DEMO) && $(JP) resume loan-allocation  # a re-run after `pause` starts it again
	cd $(DEMO) && $(JP) wait loan-allocation --timeout 300
	cd $(DEMO) && $(JP) ls
	cd $(DEMO) && $(JP) incidents --open  # the monitor started by `up` watches every run
	@echo
	@echo "The stack keeps running and the pipeline runs every minute: open the Prefect UI above."
	@echo "Pause it with:  (cd $(DEMO) && $(JP) pause loan-allocation)"
	@echo "Stop it all:    (cd $(DEMO) && $(JP) down)"

lint: setup  ## ruff lint + format check, mypy on the pure layers, import-linter's layer contracts
	$(VENV)/bin/ruff check jupyter_promote tests benchmarks
	$(VENV)/bin/ruff format --check jupyter_promote tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

labtest: setup  ## frontend unit tests of the lab extension (vitest)
	cd labextension && $(LABENV) $(JLPM) test

browser:  ## Debian's Chromium for the browser tests (tests/test_lab_browser.py), when missing
	command -v chromium || (apt-get update && apt-get install -y chromium)

# tests/pgserver.py finds the binaries on PATH or in /usr/lib/postgresql/<version>/bin (Debian's
# place) and starts its own throwaway servers: no cluster is started here.
postgres:  ## Debian's PostgreSQL server for the database tests (tests/pgserver.py), when missing
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql)

test: setup lint labtest browser postgres  ## lint, frontend unit tests, then every test (real kernels, servers and browser)
	$(PY) -m pytest

bench: setup  ## performance targets from DESIGN.md section 7, printed as tables
	@# byte-compiled as a pip install leaves it (this editable checkout may run where
	@# PYTHONDONTWRITEBYTECODE is set: every process would compile the package again)
	$(PY) -m compileall -q jupyter_promote benchmarks
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
	rm -rf labextension/node_modules labextension/lib labextension/tsconfig.tsbuildinfo \
		jupyter_promote/labextension
