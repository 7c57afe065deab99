# The two commands the README gives: `make demo` and `make test`. Each sets up what it needs first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Python 3.12 (openedx-core needs it): the newest 3.12 pyenv has, else a python3.12 that runs.
PYTHON312 ?= $(shell for p in $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.12*/bin/python 2>/dev/null | sort -rV) python3.12; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && { command -v "$$p"; break; }; done)
PIP := $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: demo test test-sqlite test-mysql test-platform test-tutor lint venv bench bench-mysql

$(VENV)/.base: pyproject.toml
	@test -n "$(PYTHON312)" || { echo "Python 3.12 not found (install it, e.g. 'pyenv install 3.12')"; exit 1; }
	$(PYTHON312) -m venv $(VENV)
	$(PIP) -e .
	touch $@

$(VENV)/.test: $(VENV)/.base
	@command -v mariadbd >/dev/null && command -v mysql_config >/dev/null || { \
	    export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && \
	    apt-get install -y -qq mariadb-server libmariadb-dev pkg-config >/dev/null; }
	@# The Celery end-to-end test's broker (tests/test_celery_worker.py starts and stops it).
	@command -v redis-server >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && \
	    apt-get install -y -qq redis-server >/dev/null; }
	$(PIP) -e '.[test,xblocks,platform]'
	touch $@

venv: $(VENV)/.base

## Import the bundled sample course, compile it and print what the LMS would see (SQLite, nothing else).
demo: $(VENV)/.base
	$(PY) manage.py migrate --verbosity 0
	$(PY) manage.py lc_demo

## Lint, format check, the architecture's import contracts (.importlinter) and the type checker.
lint: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy lc_modulestore compile settings
	@# What PyPI would get: the wheel and the sdist built (from the venv's setuptools, no index; build/
	@# cleared first, or a module since deleted would still be packed), their metadata and README checked
	@# as PyPI renders them; then the docs against the code (settings, commands, files).
	rm -rf build && dist="$$(mktemp -d)" && trap 'rm -rf "$$dist" build' EXIT && \
	    $(PY) -m build --no-isolation --sdist --wheel --outdir "$$dist" . >/dev/null && \
	    $(VENV)/bin/twine check --strict "$$dist"/*
	$(VENV)/bin/pytest -q tests/test_docs.py

test-sqlite: $(VENV)/.test
	$(VENV)/bin/pytest -q
	$(MAKE) test-platform

## The store against edx-platform's real Split, Mixed and mixins (../shared/platform), in a process of
## its own: there the platform is importable before lc_modulestore is, as in an LMS (SQLite).
test-platform: $(VENV)/.test
	LC_TEST_PLATFORM=1 $(VENV)/bin/pytest -q tests/platform

# The server is started for the run and stopped after it, whatever the outcome. Both commands run
# (the second: the LMS's course-files path in the platform mode, on MariaDB too); either failing fails.
test-mysql: $(VENV)/.test
	sock="$$(bash tests/mariadb.sh)" && status=0 && \
	{ LC_TEST_DB=mysql LC_MYSQL_SOCKET="$$sock" $(VENV)/bin/pytest -q || status=$$?; } && \
	{ LC_TEST_PLATFORM=1 LC_TEST_DB=mysql LC_MYSQL_SOCKET="$$sock" \
	    $(VENV)/bin/pytest -q tests/platform/test_course_files.py || status=$$?; } || status=$$?; \
	bash tests/mariadb.sh stop; exit $$status

# The Tutor plugin's own venv: Tutor 22 from PyPI, the plugin, uv as the openedx image has it (Tutor
# 22's Dockerfile copies uv 0.13.5) and setuptools (the plugin's wheel built offline); nothing of the
# project's: the plugin must not need it.
TUTOR_VENV := var/tutor-venv
$(TUTOR_VENV)/.installed: tutor-contrib-lc-modulestore/pyproject.toml
	@test -n "$(PYTHON312)" || { echo "Python 3.12 not found (install it, e.g. 'pyenv install 3.12')"; exit 1; }
	rm -rf $(TUTOR_VENV)
	$(PYTHON312) -m venv $(TUTOR_VENV)
	$(TUTOR_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
	    'tutor==22.*' 'uv==0.13.5' 'setuptools>=70.1' 'pytest>=8' -e ./tutor-contrib-lc-modulestore
	touch $@

## The Tutor plugin (tutor-contrib-lc-modulestore/) against real Tutor 22 in a scratch TUTOR_ROOT: the
## rendered Dockerfile and settings (run over Tutor's own stores), the do jobs (no Docker needed).
test-tutor: $(TUTOR_VENV)/.installed $(VENV)/.base
	LC_PROJECT_PYTHON=$(CURDIR)/$(PY) $(TUTOR_VENV)/bin/pytest -q tutor-contrib-lc-modulestore

## Install everything, start MariaDB, lint, and run the whole suite on SQLite and on MariaDB, and the
## Tutor plugin's tests.
test: lint test-tutor
	@# The two databases' legs are independent (SQLite in memory, a private MariaDB): run them side
	@# by side, each leg's output kept together.
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-mysql

## Benchmarks (not part of the tests): a scratch database each time, figures printed and in var/.
BENCH_BLOCKS ?= 1000 10000 20000
bench: $(VENV)/.test
	rm -f var/bench.sqlite3
	$(PY) manage.py migrate --settings settings.bench --verbosity 0
	$(PY) manage.py lc_bench --settings settings.bench --blocks $(BENCH_BLOCKS) --json var/bench-sqlite.json

bench-mysql: $(VENV)/.test
	export LC_BENCH_DB=mysql LC_MYSQL_SOCKET="$$(bash tests/mariadb.sh)"; \
	mariadb --socket="$$LC_MYSQL_SOCKET" -uroot -e "DROP DATABASE IF EXISTS lc_modulestore_bench; \
	    CREATE DATABASE lc_modulestore_bench CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"; \
	$(PY) manage.py migrate --settings settings.bench --verbosity 0 && \
	$(PY) manage.py lc_bench --settings settings.bench --blocks $(BENCH_BLOCKS) --json var/bench-mysql.json
