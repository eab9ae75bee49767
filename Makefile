# Two commands do everything on a fresh machine: `make run` and `make test` (see README).
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
# Django 6 needs Python >= 3.12; the machine's python3 is 3.11. Take the newest interpreter that really runs
# (pyenv shims answer `command -v` even when they cannot run, so ask each one for its own path).
PY ?= $(shell for p in python3.13 python3.12 /root/.pyenv/versions/3.13*/bin/python3.13 /root/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.13 /usr/bin/python3.12; do \
	$$p -c 'import sys; assert sys.version_info >= (3, 12); print(sys.executable)' 2>/dev/null && break; done)

.PHONY: setup run test test-e2e bench lint browsers clean
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -n "$(PY)" || { echo "Cần Python 3.12 trở lên (python3.12 hoặc python3.13) để chạy Django 6."; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

run: setup
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py demo --if-empty
	KIEMDIEM_DEBUG=1 $(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)

# Browser tests need Debian's Chromium (Playwright cannot download its own here); install it when we can.
browsers:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || \
		 (apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null)) \
		&& echo "Đã cài Chromium."; fi

test: setup browsers
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python bench/bench_rules.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
