# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV := uv==0.13.9
# The image's packages (deploy/requirements.txt): uv.lock's, without the dev tools
EXPORT := $(BIN)/uv export --quiet --frozen --no-dev --no-emit-project --no-header
CODE := sherpa sherpa_demo slack_emulator blockkit bot engagement tests benchmarks

.PHONY: demo test lint lock bench reliability clean

# Exactly what uv.lock says (`uv sync`), the tools for tests and lint included; packages
# not in the lock (pip, uv) are left in place. Compiled to bytecode once, as pip compiles
# the image's: a process that compiles its libraries from source at every start (where
# nothing may write them back) takes 3.5 s to start, not 1.5 s, and the suite starts many.
$(STAMP): pyproject.toml uv.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip '$(UV)'
	! $(BIN)/python -m pip show --quiet sherpa 2>/dev/null \
		|| $(BIN)/python -m pip uninstall --quiet --yes sherpa  # the name before sherpa-sponsorship
	VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/uv sync --quiet --frozen --inexact --extra dev --active --compile-bytecode
	touch $(STAMP)

# uv.lock: every dependency at its newest release within pyproject.toml's ranges.
lock: $(STAMP)
	$(BIN)/uv lock --upgrade
	$(EXPORT) --output-file deploy/requirements.txt

demo: $(STAMP)
	$(BIN)/sherpa demo

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/uv lock --check  # uv.lock must say what pyproject.toml asks: else `make lock`
	$(EXPORT) | cmp --quiet - deploy/requirements.txt \
		|| { echo "deploy/requirements.txt is not uv.lock's: run make lock"; exit 1; }
	$(BIN)/hadolint Dockerfile
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m benchmarks.ack_latency
	$(BIN)/python -m benchmarks.checkin_planning
	$(BIN)/python -m benchmarks.checkin_fanout
	$(BIN)/python -m benchmarks.digest --postgres
	$(BIN)/python -m benchmarks.claim --explain
	$(BIN)/python -m benchmarks.action_latency

reliability: $(STAMP)
	$(BIN)/python -m tests.reliability

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
