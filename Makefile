# Oficina Virtual — `make run` serves the demo, `make test` runs the whole suite. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# Re-install when pyproject.toml changes.
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
export PYTHONPATH := $(CURDIR)/src

.PHONY: run test bench install install-test chromium migrate demo messages clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

install: $(STAMP_RUN)
install-test: $(STAMP_TEST)

# Debian's Chromium for the browser tests (Playwright's own browser downloads are not used).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian's chromium (apt)..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi
	@test -x /usr/bin/chromium || { echo "chromium could not be installed: browser tests cannot run"; exit 1; }

run: install
	./scripts/run-dev

test: install-test chromium
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install-test
	$(PY) -m bench.run

messages: install
	cd src/oficina && ../../$(PY) ../../manage.py compilemessages --ignore=.venv

clean:
	rm -rf var/test .pytest_cache
