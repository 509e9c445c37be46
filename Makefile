# Two commands: `make run` (set up, then open the app) and `make test` (set up, then test).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup run lint test test-fast screenshots browser data bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# Debian packages: Chromium for the browser tests, the full Fashion-MNIST for offline data.
browser:
	@command -v chromium >/dev/null 2>&1 && [ -d /usr/share/datasets/fashion-mnist ] || \
	  ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium dataset-fashion-mnist)

setup: $(VENV)/.installed browser

run: setup
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

# ruff: lint and import order (config in pyproject.toml)
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

test: setup lint
	$(PY) -m pytest -q

# the README's pictures: the browser tests, told to copy their screenshots into docs/screenshots/
screenshots: setup
	GANVIZ_UPDATE_SCREENSHOTS=1 $(PY) -m pytest -q -m e2e

test-fast: setup
	$(PY) -m pytest -q -m "not e2e"

bench: setup
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
