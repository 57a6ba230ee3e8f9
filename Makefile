# The two commands: `make demo` and `make test`. Everything they need, they install.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install chromium lint test test-sqlite test-realstack demo clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[test]"
	rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

# Debian's Chromium for the browser tests; Playwright never downloads a browser here.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=integration_hub.test_settings $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=integration_hub.test_settings $(PY) manage.py makemigrations --check --dry-run

# SQLite with tasks in process, then PostgreSQL + Redis + a real Celery worker.
test: install chromium lint test-sqlite test-realstack

# pytest-xdist processes for the SQLite and PostgreSQL passes, each with its own test database.
# Tests are handed out in collection order, so each process still runs pytest-django's plain
# `db` tests before the transactional ones that flush the tables (`--dist loadfile` would not);
# tests marked xdist_group share one process. Real-stack and chaos passes run in one process.
TEST_WORKERS ?= 2

test-sqlite: install
	$(PY) -m pytest -m "not realstack and not chaos and not postgres_only" \
	  -n $(TEST_WORKERS) --dist loadgroup

test-realstack: install
	HUB_TEST_WORKERS=$(TEST_WORKERS) $(PY) tests/stack.py

demo: install
	DEBUG=1 SANDBOX_ENABLED=1 $(PY) manage.py migrate --noinput -v0
	DEBUG=1 SANDBOX_ENABLED=1 $(PY) manage.py run_demo

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
