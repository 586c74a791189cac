# Two commands do all set-up on a fresh machine with Python 3.11 and pip:
#   make demo   - create .venv if needed, generate the demo bank if missing, run the main job
#   make test   - create .venv if needed, run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   ?= data/demo
QUARTER ?= 2026Q4
LANG_  ?= en
JOBS   ?=
BENCH_SCALE ?= bench

.PHONY: demo test lab bench setup clean-outputs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name bankperf --display-name "bankperf (.venv)" >/dev/null
	if [ -d .git ]; then $(BIN)/pre-commit install >/dev/null; fi
	touch $(STAMP)

setup: $(STAMP)

$(DEMO)/truth.json: | $(STAMP)
	$(BIN)/bankperf demo-data $(DEMO) --quiet

demo: $(STAMP) $(DEMO)/truth.json
	$(BIN)/bankperf validate $(DEMO)
	$(BIN)/bankperf report --data $(DEMO) --quarter $(QUARTER) --lang $(LANG_) --out outputs $(if $(JOBS),--jobs $(JOBS),)

test: $(STAMP)
	$(BIN)/python -m pytest

# JupyterLab on notebooks/ with this environment as the kernel ("bankperf (.venv)", or python3
# from the venv thanks to JUPYTER_PREFER_ENV_PATH); the notebooks read the demo bank by default.
lab: $(STAMP) $(DEMO)/truth.json
	BANKPERF_DATA=$(abspath $(DEMO)) JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab --notebook-dir=notebooks

# BENCH_SCALE=small: every benchmark once, on the demo bank, in minutes (a check, not the README figures).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python -m benchmarks.run --scale $(BENCH_SCALE)

clean-outputs:
	find outputs -mindepth 1 ! -name .gitkeep ! -name README.md -delete
