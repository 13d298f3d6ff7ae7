# contact-graph: every command a developer or CI needs. `make run` and `make test` set up
# everything they need on a fresh machine (Python venv via uv, Node packages via npm).
SHELL := /bin/bash
PY ?= python3
UV_VERSION := 0.13.8
VENV := .venv
UV := .tools/bin/uv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)
SOURCES := adapters domain loaders persistence resolvers schema server

.PHONY: help install run serve migrate migration seed token schema schema-check lint typecheck test check bench bench-postgres bench-peer bench-upload bench-cheap bench-compiled services clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(UV):
	$(PY) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

install: $(VENV)/.installed  ## create .venv and install the locked dependencies

.PHONY: install-graphiql browser
install-graphiql: tools/graphiql/node_modules/.installed  ## install and bundle the offline GraphiQL (npm ci; esbuild at postinstall)

# `npm ci` runs build.mjs (postinstall), which bundles GraphiQL into node_modules/.contact-graph
tools/graphiql/node_modules/.installed: tools/graphiql/package.json tools/graphiql/package-lock.json tools/graphiql/build.mjs tools/graphiql/src/graphiql.jsx
	cd tools/graphiql && npm ci --no-audit --no-fund --loglevel=error
	touch $@

tools/http-audit/node_modules/.installed: tools/http-audit/package.json tools/http-audit/package-lock.json
	cd tools/http-audit && npm ci --no-audit --no-fund --loglevel=error
	touch $@

browser:  ## Debian's Chromium for the GraphiQL browser test (apt-get, as root, if missing)
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" != 0 ]; then echo "install Debian's chromium package (as root: make browser)" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# PostGraphile v5, the peer of `make bench-peer`; Node 22 comes from npm (the `node` package)
tools/postgraphile/node_modules/.installed: tools/postgraphile/package.json tools/postgraphile/package-lock.json
	cd tools/postgraphile && npm ci --no-audit --no-fund --loglevel=error
	touch $@

tools/federation/node_modules/.installed: tools/federation/package.json tools/federation/package-lock.json
	cd tools/federation && npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: install tools/graphiql/node_modules/.installed  ## migrate, seed demo data, print a token and serve GraphiQL on 127.0.0.1:8000
	$(BIN)/contact-graph run

serve: install  ## serve as in production: database must be migrated, no demo data, no tokens (SERVE_ARGS=--migrate)
	$(BIN)/contact-graph serve $(SERVE_ARGS)

migrate: install  ## apply database migrations
	$(BIN)/contact-graph migrate

migration: install  ## autogenerate the next migration from the models: make migration NAME="what changed"
	bash scripts/new-migration.sh "$(NAME)"

seed: install  ## load the demo data (once)
	$(BIN)/contact-graph seed

token: install  ## print development tokens
	$(BIN)/contact-graph token

schema: install  ## write schema.graphql from the code
	$(BIN)/contact-graph schema

schema-check: install  ## fail if schema.graphql differs from the code
	$(BIN)/contact-graph schema --check

lint: install  ## ruff, and hadolint on the Dockerfile
	$(BIN)/ruff check $(SOURCES) tests bench
	$(BIN)/ruff format --check $(SOURCES) tests bench
	$(BIN)/hadolint --failure-threshold style Dockerfile

typecheck: install  ## mypy --strict
	$(BIN)/mypy
	$(BIN)/mypy bench

# two pytest-xdist workers; PYTEST_ARGS="-n 0" (or "-p no:xdist") runs the suite in one process
PYTEST_ARGS ?= -n 2 --dist loadgroup

test: install tools/graphiql/node_modules/.installed tools/federation/node_modules/.installed tools/http-audit/node_modules/.installed browser  ## the whole suite: SQLite, PostgreSQL, Redis, federation composition, GraphQL-over-HTTP audit, GraphiQL in Chromium
	$(BIN)/pytest $(PYTEST_ARGS)

check: lint typecheck schema-check test  ## what CI runs, and more

bench: install  ## whole-record query over HTTP vs a bare ASGI app, SQLite (BENCH_ARGS=--postgres); then { __typename } vs bare; then the memory of a 250 MiB upload
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/cheap.py
	$(BIN)/python bench/upload_memory.py

bench-compiled: install  ## compiled reads on vs off: one contact + 10 notes + 10 tasks, and 50 of them, one run (COMPILED_ARGS="--postgres --rounds 5")
	$(BIN)/python bench/compiled.py $(COMPILED_ARGS)

bench-cheap: install  ## only { __typename } (and other tiny cached operations) vs the bare ASGI ceiling, one run (CHEAP_ARGS="--rounds 5")
	$(BIN)/python bench/cheap.py $(CHEAP_ARGS)

bench-upload: install  ## only the peak RSS a 250 MiB upload adds to the server (bench/upload_memory.py)
	$(BIN)/python bench/upload_memory.py

# the peer runs whatever the first benchmark's outcome; the target fails if either did
bench-postgres: install tools/postgraphile/node_modules/.installed  ## the same benchmark on a fresh PostgreSQL database (dropped after), then the PostGraphile peer (bench-peer)
	status=0; $(BIN)/python bench/run.py --postgres $(BENCH_ARGS) || status=$$?; \
	  $(BIN)/python bench/peer.py $(PEER_ARGS) || status=$$?; exit $$status

bench-peer: install tools/postgraphile/node_modules/.installed  ## contact-graph vs PostGraphile v5 on the same PostgreSQL tables, same requests (PEER_ARGS="--rounds 5 --app-env CONTACT_GRAPH_X=V")
	$(BIN)/python bench/peer.py $(PEER_ARGS)

services:  ## start PostgreSQL and Redis if they are not running
	bash scripts/services.sh

clean:  ## remove the virtualenv, caches and local data
	rm -rf $(VENV) .tools var .pytest_cache .mypy_cache .ruff_cache
