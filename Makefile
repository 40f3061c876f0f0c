# Two commands matter: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test stop airflow eval bench docs clean

setup: $(STAMP)
	@# dbt_project/target/manifest.json, which the DAG renders one task per dbt model from:
	@# `dbt parse` when missing or older than any file of dbt_project/, else only a stat per file.
	$(BIN)/python -c "from vnreports.transform import dbt_manifest_path; dbt_manifest_path()"

# Reinstall when the pins change. constraints.txt is the lock: every transitive version.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

## Start the embedded warehouse (unless WAREHOUSE_URL is set), run the DAG over the sample reports.
run: setup
	$(BIN)/vnreports run

## Run the whole test suite against real PostgreSQL, Airflow, dbt and Great Expectations.
test: setup
	$(BIN)/python -m pytest

## Stop the embedded warehouse.
stop: setup
	$(BIN)/vnreports warehouse stop

## Airflow UI, scheduler and DAG processor on http://localhost:8080.
airflow: setup
	$(BIN)/vnreports airflow

## Parser precision and recall per sample report against tests/truth (and the generated reports),
## then precision per dimension of what the BI views publish, on exhaustive spans (samples + corpus).
eval: setup
	$(BIN)/python -m vnreports.evaluation
	$(BIN)/python -m vnreports.span_eval

## Parser speed on the sample reports against pdfplumber's full table machinery.
bench: setup
	$(BIN)/python -m vnreports.benchmark

## dbt docs of the marts (models, columns, tests, lineage) on http://localhost:8081.
docs: setup
	$(BIN)/vnreports docs --serve

clean: stop
	rm -rf .local
