# jupyter-promote: every target sets up what it needs (a .venv with the project installed).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: setup demo test lint typecheck bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	@touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the project with its test extras

demo: setup  ## local Prefect stack up, the loans example checked and run, links printed
	$(VENV)/bin/jupyter promote check example_notebooks/loans.ipynb
	$(VENV)/bin/jupyter promote up
	$(VENV)/bin/jupyter promote run example_notebooks/loans.ipynb -p as_of=2026-11-01 -p min_score=600
	@echo
	@echo "The stack keeps running: open the Prefect UI printed above. Stop it with:"
	@echo "  $(VENV)/bin/jupyter promote down"

lint: setup  ## ruff lint + format check, mypy on the pure core
	$(VENV)/bin/ruff check jupyter_promote tests benchmarks
	$(VENV)/bin/ruff format --check jupyter_promote tests benchmarks
	$(VENV)/bin/mypy

test: setup lint  ## lint, then every test (real kernels, servers and browser)
	$(PY) -m pytest

bench: setup  ## performance targets from DESIGN.md section 7, printed as tables
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
