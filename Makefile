# transfer-doubles: `make serve` starts the doubles, `make test` runs the suite.
# Both set up everything first (Debian build deps for M2Crypto, a venv, the package).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FTS_PORT    ?= 8446
GLOBUS_PORT ?= 8447
PYTEST_ARGS ?=

.PHONY: install system-deps test fuzz contract bench bench-scale serve serve-fts serve-globus lint readme clean

install: $(STAMP)

# The real fts3 client imports M2Crypto, which builds from source with swig + OpenSSL headers;
# the suite also runs the openssl and curl tools (as grid users do), and voms-clients'
# voms-proxy-info and voms-proxy-fake against the double's VOMS proxies, and tests the
# dashboard in Debian's chromium through chromium-driver (no browser is downloaded).
system-deps:
	@if ! command -v swig >/dev/null 2>&1 || ! dpkg -s libssl-dev >/dev/null 2>&1 \
	    || ! command -v openssl >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1 \
	    || ! command -v voms-proxy-fake >/dev/null 2>&1 \
	    || ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  echo "installing swig, libssl-dev, openssl, curl, voms-clients, chromium and chromium-driver"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq swig libssl-dev openssl curl voms-clients \
	    chromium chromium-driver >/dev/null; \
	fi

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

test: install
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Property fuzzing of both live doubles (tests/fuzz; `make test` runs a few requests per
# route): FUZZ_REQUESTS requests per service, then `fuzz: N requests to <service>, M findings`.
FUZZ_REQUESTS ?= 10000
fuzz: install
	FUZZ_REQUESTS=$(FUZZ_REQUESTS) $(BIN)/python -m pytest -q -p no:cacheprovider tests/fuzz $(PYTEST_ARGS)

contract: install
	$(BIN)/python -m pytest -q contract_tests $(PYTEST_ARGS)

bench: install
	$(BIN)/pip install -q -e '.[bench]'
	@command -v wrk >/dev/null 2>&1 || { $(SUDO) apt-get install -y -qq wrk >/dev/null 2>&1 || echo "wrk unavailable: using the Python load generator"; }
	$(BIN)/python -m bench

# How cost grows with what the doubles hold (bench/scale.py): one MET/MISSED line per goal.
# BENCH_SCALE_ARGS=--full adds 100k one-file jobs and 1M files; --quick shrinks every size.
BENCH_SCALE_ARGS ?=
bench-scale: install
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python -m bench.scale $(BENCH_SCALE_ARGS)

serve: install
	@trap 'kill 0' INT TERM; \
	$(BIN)/mockfts serve --host 127.0.0.1 --port $(FTS_PORT) & \
	if [ -x $(BIN)/mockglobus ]; then $(BIN)/mockglobus serve --host 127.0.0.1 --port $(GLOBUS_PORT) & fi; \
	wait

serve-fts: install
	$(BIN)/mockfts serve --host 127.0.0.1 --port $(FTS_PORT)

serve-globus: install
	$(BIN)/mockglobus serve --host 127.0.0.1 --port $(GLOBUS_PORT)

# Style and types: ruff's lint rules, ruff's formatting, mypy (pyproject's [tool.mypy]).
lint: install
	$(BIN)/ruff check mockcore mockfts mockglobus tests contract_tests bench scripts
	$(BIN)/ruff format --check mockcore mockfts mockglobus tests contract_tests bench scripts
	$(BIN)/mypy

readme: install
	$(BIN)/python scripts/readme_tables.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis
