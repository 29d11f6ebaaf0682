# make example: set up and run apply-imagemaps on the bundled example.
# make test:    set up and run every check (ruff, mypy --strict, pytest incl. host tests).
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(CURDIR)/.cache/bin
export PATH := $(BIN):$(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: example test lint tools bench validators fuzz

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# compat mode: a plain sys.path entry; the default editable finder costs ~12 ms at start-up
	$(PY) -m pip install --quiet -e '.[test]' --config-settings editable_mode=compat
	touch $@

example: $(VENV)/.installed
	$(VENV)/bin/apply-imagemaps --imagemaps examples/basic/imagemaps.yaml < examples/basic/resources.yaml

tools:
	bash scripts/get-helm $(BIN)
	bash scripts/get-kustomize $(BIN)
	bash scripts/get-podman .cache

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check krm_fn tests bench scripts
	$(VENV)/bin/ruff format --check krm_fn tests bench scripts
	$(VENV)/bin/mypy

test: $(VENV)/.installed tools lint
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) bench/run.py

validators: $(VENV)/.installed
	$(PY) scripts/gen_validators.py

# Coverage-guided fuzzing, not part of CI: FUZZ_SECONDS=600 make fuzz
FUZZ_SECONDS ?= 600
fuzz: $(VENV)/.installed
	$(PY) -m pip install --quiet 'atheris>=2.3'
	$(PY) tests/fuzz/fuzz_pipeline.py -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048
