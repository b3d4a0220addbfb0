# The policy portal. `make help` lists what a person can do.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
PIP       := $(VENV)/bin/pip
MKDOCS    := NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs
PY_STAMP  := $(VENV)/.installed
NODE_STAMP:= node_modules/.installed
CHROMIUM  := /usr/bin/chromium
NGINX     := /usr/sbin/nginx

.PHONY: help setup serve build test check bench lock clean browser

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(PY_STAMP): requirements.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(PY_STAMP) $(NODE_STAMP) ## Install the pinned Python and npm packages (skipped when up to date)

browser: ## Make sure Debian's Chromium and nginx are installed (for the browser tests)
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium (for the browser tests)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "Chromium is missing. Install it with: sudo apt-get install -y chromium fonts-noto-cjk"; exit 1; \
	  fi; \
	fi
	@if [ ! -x $(NGINX) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's nginx (the tests serve the site with deploy/nginx.conf)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null \
	      || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null; \
	  else \
	    echo "nginx is missing. Install it with: sudo apt-get install -y nginx-light"; exit 1; \
	  fi; \
	fi

build: setup ## Build the site into site/ (strict: any warning fails)
	$(MKDOCS) build --strict

serve: setup ## Build and serve the site on http://127.0.0.1:8000 (rebuilds when files change)
	@# No .pyc files: writing them into the watched calculators/ would trigger another rebuild.
	PYTHONDONTWRITEBYTECODE=1 $(MKDOCS) serve --strict --dev-addr 127.0.0.1:8000

check: setup ## Check the policy data: every problem with file:line, in Chinese and English
	$(PY) -m calculators check

test: setup browser ## Run the whole test suite (data, engine, pages, Pyodide, browser)
	$(PY) -m pytest

bench: setup browser ## Run the benchmarks and print the figures
	$(PY) bench/run.py

lock: ## Re-pin the Python packages from requirements.in
	python3 -m venv /tmp/portal-lock-venv && /tmp/portal-lock-venv/bin/pip install --quiet -r requirements.in
	(echo "# Generated from requirements.in with: pip install -r requirements.in && pip freeze"; \
	 echo "# Every package pinned to an exact version. Regenerate with \`make lock\`."; \
	 /tmp/portal-lock-venv/bin/pip freeze --all | grep -v "^pip==") > requirements.txt

clean: ## Remove the built site and generated pages (keeps .venv and node_modules)
	rm -rf site docs/policies docs/calculator docs/glossary docs/index.zh.md docs/index.en.md
