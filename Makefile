# Two commands do everything on a fresh machine: `make run` and `make test` (see README).
SHELL := /bin/bash
PORT ?= 8000
# The project's own 404/500 pages and no tracebacks unless asked for: `KIEMDIEM_DEBUG=1 make run`.
KIEMDIEM_DEBUG ?= 0
VENV := .venv
BIN := $(VENV)/bin
# Django 6 needs Python >= 3.12; the machine's python3 is 3.11. Take the newest interpreter that really runs
# (pyenv shims answer `command -v` even when they cannot run, so ask each one for its own path).
PY ?= $(shell for p in python3.13 python3.12 /root/.pyenv/versions/3.13*/bin/python3.13 /root/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.13 /usr/bin/python3.12; do \
	$$p -c 'import sys; assert sys.version_info >= (3, 12); print(sys.executable)' 2>/dev/null && break; done)

.PHONY: setup setup-run run test test-fast test-e2e bench bench-tools bench-national lint browsers clean
# `make run` needs only what the system runs on (about 15 s to install); tests, lint and bench add the dev tools.
setup-run: $(VENV)/.installed-run
setup: $(VENV)/.installed

$(VENV)/.installed-run: pyproject.toml
	@test -n "$(PY)" || { echo "Cần Python 3.12 trở lên (python3.12 hoặc python3.13) để chạy Django 6."; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed: $(VENV)/.installed-run
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

run: setup-run
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py demo --if-empty --today
	@# The background worker runs long imports and exports; it stops with the server.
	$(BIN)/python manage.py db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	KIEMDIEM_DEBUG=$(KIEMDIEM_DEBUG) $(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)

# Browser tests need Debian's Chromium (Playwright cannot download its own here); install it when we can.
# PDF reports need fonts-liberation2 (Vietnamese glyphs), LibreOffice (DOCX → PDF) and their tests poppler-utils.
browsers:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || \
		 (apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null)) \
		&& echo "Đã cài Chromium."; fi
	@if { [ ! -d /usr/share/fonts/truetype/liberation2 ] || [ ! -x /usr/bin/pdftoppm ]; } && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y --no-install-recommends fonts-liberation2 poppler-utils >/dev/null 2>&1 || \
		 (apt-get update >/dev/null && apt-get install -y --no-install-recommends fonts-liberation2 poppler-utils >/dev/null)) \
		&& echo "Đã cài phông Liberation Serif 2 và poppler-utils."; fi
	@# The documents' PDF is their DOCX converted by LibreOffice headless (one source; about 260 MB, once).
	@if ! command -v soffice >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui >/dev/null 2>&1 || \
		 (apt-get update >/dev/null && apt-get install -y --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui >/dev/null)) \
		&& echo "Đã cài LibreOffice (chuyển văn bản sang PDF)."; fi

# The suite runs on both cores (pytest-xdist); each worker builds the shared test world once. Bytecode is cached even
# where the environment says not to (PYTHONDONTWRITEBYTECODE=1): otherwise every worker compiles and rewrites the
# asserts of every test module again (collection 7.3 → 4.4 s of CPU a worker) and every `kiemdiem` subprocess the
# tests start compiles the project again (__pycache__ is ignored by git).
test: setup browsers
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n 2 --dist worksteal

# The inner loop: no browser, no subprocess or server, no big data (about a minute).
test-fast: setup
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n 2 -m "not e2e and not slow"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The benchmark tools come from Debian: PostgreSQL 15 (the profile's cluster, bench/pg.py), wrk (the page load) and,
# for the report's PDF (its DOCX converted, reports/documents.py), LibreOffice and the Vietnamese-complete fonts.
bench-tools:
	@missing=""; command -v wrk >/dev/null || missing="$$missing wrk"; \
	 [ -x /usr/lib/postgresql/15/bin/initdb ] || missing="$$missing postgresql"; \
	 command -v soffice >/dev/null || missing="$$missing libreoffice-writer-nogui"; \
	 [ -d /usr/share/fonts/truetype/liberation2 ] || missing="$$missing fonts-liberation2"; \
	 if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y --no-install-recommends $$missing >/dev/null 2>&1 || \
		 (apt-get update >/dev/null && apt-get install -y --no-install-recommends $$missing >/dev/null)) \
		&& echo "Đã cài$$missing."; fi

# Province profile (generated once into bench/.cache/pg, PostgreSQL on 127.0.0.1:5450), measured; writes
# bench/results.json. The rules engine's own figure (bench/bench_rules.py) first.
bench: setup bench-tools
	$(BIN)/python bench/bench_rules.py
	$(BIN)/python bench/run.py
	$(BIN)/python bench/sqlite_load.py

# National profile (×40, bulk SQL from the province profile); skips with a message when the disk is too small.
bench-national: setup bench-tools
	$(BIN)/python bench/national.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
