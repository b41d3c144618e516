# Kanal — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KANAL := $(VENV)/bin/kanal
CHROMIUM ?= /usr/bin/chromium
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
BUNDLES := widget/dist/loader.js widget/dist/app.js agent_console/dist/app.js
BROWSER_SOURCES := $(shell find widget/src agent_console/src widget/build.mjs agent_console/build.mjs -type f 2>/dev/null)

.PHONY: setup run test soak bench lint format chromium nginx clean

setup: $(STAMP) $(NPM_STAMP) $(BUNDLES)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(BUNDLES) &: $(NPM_STAMP) $(BROWSER_SOURCES)
	node widget/build.mjs
	node agent_console/build.mjs

run: setup
	$(KANAL) migrate >/dev/null
	$(KANAL) demo --if-empty
	@echo ""
	@echo "  Demo OPD website with the widget:  http://127.0.0.1:8080/"
	@echo "  Agent console:                     http://127.0.0.1:8080/console"
	@echo "  Demo logins: admin@kanal.local (coordinator), pupr@kanal.local, dishub@kanal.local,"
	@echo "               dlh@kanal.local, disdukcapil@kanal.local (agents), kabid.pupr@kanal.local"
	@echo "               (supervisor) — password: kanal-demo"
	@echo ""
	$(KANAL) serve

lint: $(STAMP)
	$(VENV)/bin/ruff check hub channels tests bench
	$(VENV)/bin/ruff format --check hub channels tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff format hub channels tests bench
	$(VENV)/bin/ruff check --fix hub channels tests bench

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "Chromium is missing: install Debian's package with 'sudo apt-get install chromium'"; \
	    echo "(or set CHROMIUM=/path/to/chromium); browser tests are skipped without it."; \
	  fi; \
	fi

nginx:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light \
	      && (service nginx stop >/dev/null 2>&1 || true); \
	  else \
	    echo "nginx is missing: install Debian's package with 'sudo apt-get install nginx-light'"; \
	    echo "(tests/deploy runs the shipped deploy/nginx config); those tests are skipped without it."; \
	  fi; \
	fi

test: setup chromium nginx lint
	npx tsc --noEmit -p widget
	npx tsc --noEmit -p agent_console
	KANAL_CHROMIUM=$(CHROMIUM) $(VENV)/bin/pytest -q

# The long versions of the reliability tests: 300 crash-and-restart rounds (a new seed each
# run, printed; KANAL_CRASH_SEED=<n> repeats one), then the parsers' fuzzing at 20 000
# examples each (~10 min).
soak: setup
	KANAL_SOAK=1 $(VENV)/bin/pytest -q -s tests/reliability
	KANAL_FUZZ=long $(VENV)/bin/pytest -q tests/channels/telegram/test_fuzz.py \
	  tests/channels/whatsapp/test_fuzz.py tests/channels/widget/test_fuzz.py

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules widget/dist agent_console/dist
