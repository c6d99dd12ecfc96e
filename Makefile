# Two entry points: `make run` and `make test`. Both build the virtual environment first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Locked installs: exact versions and file hashes, compiled from pyproject.toml by `make lock`.
LOCK       := requirements.lock
DEV_LOCK   := requirements-dev.lock
BUILD_LOCK := requirements-build.lock
BOOTSTRAP_LOCK := requirements-bootstrap.lock
# The embedding model the bot runs, built from the registry's export (knowledge/model_build.py).
MODEL      := knowledge/models/all-MiniLM-L6-v2-dynamic-int8.onnx
COMPILE  := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
            --no-emit-index-url --no-emit-find-links

.PHONY: run test lint typecheck eval bench lock clean

# pip installs uv (by hash), and uv the dev lock: the same files, four times faster.
UV_INTO_VENV := --quiet --python $(BIN)/python
$(BIN)/faqbot: pyproject.toml $(DEV_LOCK) $(BOOTSTRAP_LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(BOOTSTRAP_LOCK)
	$(BIN)/uv pip sync $(UV_INTO_VENV) --require-hashes $(DEV_LOCK)
	$(BIN)/uv pip install $(UV_INTO_VENV) --no-deps -e .
	@touch $@

$(MODEL): $(BIN)/faqbot knowledge/model_build.py
	$(BIN)/python -m knowledge.model_build
	@touch $@

# After changing dependencies in pyproject.toml: rewrite the locks (newest versions that fit).
lock: $(BIN)/faqbot
	$(COMPILE) --output-file $(LOCK) pyproject.toml
	$(COMPILE) --extra dev --output-file $(DEV_LOCK) pyproject.toml
	$(COMPILE) --extra model-build --constraint $(LOCK) --output-file $(BUILD_LOCK) pyproject.toml
	echo uv | $(COMPILE) --constraint $(DEV_LOCK) --output-file $(BOOTSTRAP_LOCK) -

run: $(MODEL)
	$(BIN)/faqbot run --or-chat

lint: $(BIN)/faqbot
	$(BIN)/ruff check bot knowledge tests bench testkit
	$(BIN)/ruff format --check bot knowledge tests bench testkit

typecheck: $(BIN)/faqbot
	$(BIN)/mypy bot knowledge

# Two test workers per core, at most 8: many tests wait on sockets and subprocesses, and a
# second worker fills those waits (measured: 2 workers 124 s, 4 workers 98 s on 2 cores).
TEST_WORKERS ?= $(shell n=$$(( 2 * $$(nproc) )); [ $$n -gt 8 ] && n=8; echo $$n)

test: lint typecheck $(MODEL)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal

# The gate an FAQ edit must pass (also run by CI): the shipped FAQ on both evaluation sets.
eval: $(MODEL)
	$(BIN)/faqbot eval --min-top1 0.95 --min-answered 0.90 --max-oos 0.03 \
	    tests/data/eval.yaml tests/data/eval-holdout.yaml
	$(BIN)/faqbot eval --min-top1 0.95 --min-answered 0.90 --max-oos 0.05 tests/data/eval-ja.yaml

# Benchmarks run as modules from the project root, which puts testkit/ on the path.
bench: $(MODEL)
	$(BIN)/python -m bench.matching

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
