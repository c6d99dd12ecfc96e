# Two entry points: `make run` and `make test`. Both build the virtual environment first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test lint typecheck bench clean

$(BIN)/faqbot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(BIN)/faqbot
	$(BIN)/faqbot run --or-chat

lint: $(BIN)/faqbot
	$(BIN)/ruff check bot knowledge tests bench
	$(BIN)/ruff format --check bot knowledge tests bench

typecheck: $(BIN)/faqbot
	$(BIN)/mypy bot knowledge

test: lint typecheck
	$(BIN)/python -m pytest -q

bench: $(BIN)/faqbot
	$(BIN)/python bench/matching.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
