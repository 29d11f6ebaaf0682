# make example: set up .venv with the runtime only, and run apply-imagemaps on the bundled example.
# make test:    set up .venv with the test tools, and run every check (ruff, mypy --strict,
#               pytest incl. host tests).
# make dist:    build the wheel, the sdist and the Helm 4 plugin archive into dist/.
# PYTHON=python3.12 make ...: the interpreter .venv is made from (default python3); a .venv
# made from another one is made again.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(CURDIR)/.cache/bin
DIST ?= dist
export PATH := $(BIN):$(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: example test lint tools bench validators fuzz mutation dist FORCE

# Checked on every run: a .venv whose python is not $(PYTHON)'s interpreter (or no longer
# runs) is removed and made again. The file is only rewritten then, so an unchanged .venv
# leaves the installs below up to date.
INTERPRETER := -c 'import sys; print(sys.base_prefix, sys.version)'
$(VENV)/pyvenv.cfg: FORCE
	@want=$$($(PYTHON) $(INTERPRETER)) || exit 1; \
	if [ "$$($(PY) $(INTERPRETER) 2>/dev/null)" != "$$want" ]; then \
	  echo "$(PYTHON) -m venv $(VENV)"; \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && \
	  $(PY) -m pip install --quiet --upgrade pip; \
	fi

# The runtime only, editable (the repository's krm_fn is what runs): what `make example` needs.
$(VENV)/.installed: pyproject.toml $(VENV)/pyvenv.cfg
	$(PY) -m pip install --quiet -e .
	touch $@

# The test tools too, the runtime with them.
$(VENV)/.test-installed: pyproject.toml $(VENV)/pyvenv.cfg
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

example: $(VENV)/.installed
	$(VENV)/bin/apply-imagemaps --imagemaps examples/basic/imagemaps.yaml < examples/basic/resources.yaml

tools:
	bash scripts/get-helm $(BIN)
	bash scripts/get-yaml-language-server $(CURDIR)/.cache/yaml-language-server
	bash scripts/get-kustomize $(BIN)
	bash scripts/get-podman .cache

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check krm_fn tests bench scripts
	$(VENV)/bin/ruff format --check krm_fn tests bench scripts
	$(VENV)/bin/mypy

# pytest under coverage (pyproject's [tool.coverage]): the report lists what the suite missed
# and fails below its floor. Plain `pytest` runs the same tests without it.
test: $(VENV)/.test-installed tools lint
	rm -rf .cache/coverage
	$(PY) -m coverage run -m pytest
	$(PY) -m coverage combine --quiet
	$(PY) -m coverage report

dist: $(VENV)/.test-installed
	PYTHON=$(PY) bash scripts/build-dist $(DIST)

# The full benchmark: bench/RESULTS.md and its plot bench/RESULTS.png (see bench/README.md).
# BENCH_ARGS adds options, e.g. make bench BENCH_ARGS=--quick
bench: $(VENV)/.bench-installed
	$(PY) bench/run.py --out bench/RESULTS.md $(BENCH_ARGS)

$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $@

validators: $(VENV)/.test-installed
	$(PY) scripts/gen_validators.py

# Mutation testing with mutmut 3, not part of `make test` or CI (pyproject's [tool.mutmut]: the
# modules and their tests); results in mutants/. MUTANTS picks some, e.g.
# make mutation MUTANTS='krm_fn.reference.*'; `.venv/bin/mutmut results` lists the survivors.
MUTANTS ?=
mutation: $(VENV)/.test-installed
	$(PY) -m pip install --quiet 'mutmut>=3.8,<4'
	$(VENV)/bin/mutmut run $(MUTANTS)
	$(VENV)/bin/mutmut export-cicd-stats

# Coverage-guided fuzzing, not part of CI: FUZZ_SECONDS=600 make fuzz
FUZZ_SECONDS ?= 600
fuzz: $(VENV)/.test-installed
	$(PY) -m pip install --quiet 'atheris>=2.3'
	$(PY) tests/fuzz/fuzz_pipeline.py -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048
