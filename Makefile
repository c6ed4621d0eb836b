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

demo: setup  ## check the example notebooks and print their pipelines
	$(VENV)/bin/jupyter promote check example_notebooks/*.ipynb

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
