# Two commands: `make run` (set up, then open the app) and `make test` (set up, then test).
# `make serve REPLICAS=3`: the app as N replicas behind HAProxy, for a class (deploy/README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
REPLICAS ?= 3
BIND   ?= 0.0.0.0
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup run serve lint test test-fast screenshots browser data bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# Debian packages: Chromium for the browser tests, the full Fashion-MNIST for offline data,
# HAProxy for `make serve` and its test (in /usr/sbin, which a user's PATH may lack).
browser:
	@command -v chromium >/dev/null 2>&1 && [ -d /usr/share/datasets/fashion-mnist ] && \
	  [ -x /usr/sbin/haproxy ] || \
	  ($(SUDO) apt-get update -qq && \
	   $(SUDO) apt-get install -y -qq chromium dataset-fashion-mnist haproxy)

setup: $(VENV)/.installed browser

run: setup
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

# replicas on 127.0.0.1:8511.., HAProxy on $(BIND):$(PORT); Ctrl-C stops them all
serve: setup
	$(PY) deploy/balancer.py serve --replicas $(REPLICAS) --bind $(BIND):$(PORT)

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
