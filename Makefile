# The one place that knows how to install Curator. `make run` and `make test` are all a
# new user needs; both create the virtual environment on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The CPU build of torch keeps the install small; a workstation with a CUDA GPU can set
# TORCH_SPEC=torch to take the registry's CUDA build instead.
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.curator-installed

.PHONY: run test lint bench package clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) main.py $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) benchmarks/bench_import.py

# The offline installer: build/dist/curator/ and an archive of it (see build/README.md).
package: $(STAMP)
	$(PY) build/package.py

clean:
	rm -rf $(VENV) build/work build/dist
