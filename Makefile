# Two commands for a newcomer (see README.md):
#   make demo   set up .venv and print Ignatenko et al. (2025) Table 1, published vs computed
#   make test   set up .venv and run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

$(BIN)/tradewar: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

.PHONY: demo test bench services
demo: $(BIN)/tradewar
	$(BIN)/tradewar replicate ignatenko2025 --table 1

test: $(BIN)/tradewar services
	$(BIN)/python -m pytest -q

# chromium for the browser tests, PostgreSQL on loopback for the store tests (Debian packages)
services:
	@bash scripts/services.sh

bench: $(BIN)/tradewar services
	$(BIN)/python benchmarks/bench_one_sector.py
	$(BIN)/python benchmarks/bench_strategies.py
	$(BIN)/python benchmarks/bench_cp2015.py
	$(BIN)/python benchmarks/bench_mc.py
	$(BIN)/python benchmarks/bench_big_world.py
	$(BIN)/python benchmarks/bench_build_baci.py
	$(BIN)/python benchmarks/bench_serve_load.py
	$(BIN)/python benchmarks/bench_build_icio.py
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_gegravity.py
